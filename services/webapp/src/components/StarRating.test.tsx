import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { StarRating } from "./StarRating";

function Controlled({ initial = null, onChange = () => {} }: { initial?: number | null; onChange?: (v: number) => void }) {
  const [value, setValue] = useState<number | null>(initial);
  return (
    <StarRating
      label="Your rating"
      value={value}
      onChange={(v) => {
        setValue(v);
        onChange(v);
      }}
    />
  );
}

const star = (n: number) => screen.getByRole("radio", { name: `${n} of 10` });

describe("StarRating", () => {
  it("is a labelled radio group of ten stars, none checked at first", () => {
    render(<Controlled />);
    expect(screen.getByRole("radiogroup", { name: "Your rating" })).toBeInTheDocument();
    expect(screen.getAllByRole("radio")).toHaveLength(10);
    expect(screen.getAllByRole("radio").filter((r) => r.getAttribute("aria-checked") === "true")).toHaveLength(0);
  });

  it("selects the clicked star", async () => {
    const onChange = vi.fn();
    render(<Controlled onChange={onChange} />);
    await userEvent.click(star(7));
    expect(onChange).toHaveBeenLastCalledWith(7);
    expect(star(7)).toHaveAttribute("aria-checked", "true");
    expect(star(6)).toHaveAttribute("aria-checked", "false");
  });

  it("has one tab stop, and arrow keys, Home and End move and select", async () => {
    const onChange = vi.fn();
    render(
      <>
        <button>before</button>
        <Controlled initial={3} onChange={onChange} />
      </>,
    );
    await userEvent.click(screen.getByText("before"));
    await userEvent.tab();
    expect(star(3)).toHaveFocus();
    await userEvent.keyboard("{ArrowRight}{ArrowRight}");
    expect(star(5)).toHaveFocus();
    expect(star(5)).toHaveAttribute("aria-checked", "true");
    await userEvent.keyboard("{ArrowLeft}");
    expect(onChange).toHaveBeenLastCalledWith(4);
    await userEvent.keyboard("{End}");
    expect(star(10)).toHaveAttribute("aria-checked", "true");
    await userEvent.keyboard("{ArrowRight}"); // stays at the top
    expect(onChange).toHaveBeenLastCalledWith(10);
    await userEvent.keyboard("{Home}");
    expect(star(1)).toHaveAttribute("aria-checked", "true");
    await userEvent.keyboard("{ArrowDown}"); // stays at the bottom
    expect(onChange).toHaveBeenLastCalledWith(1);
    // Only the checked star is in the tab order.
    expect(screen.getAllByRole("radio").filter((r) => r.tabIndex === 0)).toEqual([star(1)]);
  });

  it("ignores clicks and keys when disabled", async () => {
    const onChange = vi.fn();
    render(<StarRating label="r" value={2} onChange={onChange} disabled />);
    await userEvent.click(star(9));
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getAllByRole("radio").every((r) => r.tabIndex === -1)).toBe(true);
  });
});
