import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { RatingForm } from "./RatingForm";

const star = (n: number) => screen.getByRole("radio", { name: `${n} of 10` });

describe("RatingForm", () => {
  it("asks for a rating before saving, then saves rating and trimmed comment", async () => {
    const onSave = vi.fn().mockResolvedValue(undefined);
    render(<RatingForm current={null} onSave={onSave} onClear={vi.fn()} />);
    await userEvent.type(screen.getByLabelText("Comment (optional)"), "  Great score  ");
    await userEvent.click(screen.getByRole("button", { name: "Save rating" }));
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.getByText("Choose a rating from 1 to 10 first.")).toBeInTheDocument();
    await userEvent.click(star(8));
    await userEvent.click(screen.getByRole("button", { name: "Save rating" }));
    expect(onSave).toHaveBeenCalledWith({ rating: 8, comment: "Great score" });
    expect(await screen.findByText("Your rating is saved.")).toBeInTheDocument();
  });

  it("sends a null comment when the box is empty, and can be changed with the keyboard", async () => {
    const onSave = vi.fn().mockResolvedValue(undefined);
    render(<RatingForm current={{ rating: 4, comment: null }} onSave={onSave} onClear={vi.fn()} />);
    expect(star(4)).toHaveAttribute("aria-checked", "true");
    // Nothing changed yet: nothing to save.
    expect(screen.getByRole("button", { name: "Update rating" })).toBeDisabled();
    star(4).focus();
    await userEvent.keyboard("{ArrowRight}");
    await userEvent.click(screen.getByRole("button", { name: "Update rating" }));
    expect(onSave).toHaveBeenCalledWith({ rating: 5, comment: null });
  });

  it("clears an existing rating", async () => {
    const onClear = vi.fn().mockResolvedValue(undefined);
    render(<RatingForm current={{ rating: 6, comment: "ok" }} onSave={vi.fn()} onClear={onClear} />);
    expect(screen.getByLabelText("Comment (optional)")).toHaveValue("ok");
    await userEvent.click(screen.getByRole("button", { name: "Remove my rating" }));
    expect(onClear).toHaveBeenCalledOnce();
    await waitFor(() => expect(screen.getByText("Your rating was removed.")).toBeInTheDocument());
    expect(screen.getAllByRole("radio").some((r) => r.getAttribute("aria-checked") === "true")).toBe(false);
    expect(screen.getByLabelText("Comment (optional)")).toHaveValue("");
  });

  it("offers no remove button before there is a rating", () => {
    render(<RatingForm current={null} onSave={vi.fn()} onClear={vi.fn()} />);
    expect(screen.queryByRole("button", { name: "Remove my rating" })).not.toBeInTheDocument();
  });

  it("shows the API's field errors and message", () => {
    render(
      <RatingForm
        current={null}
        onSave={vi.fn()}
        onClear={vi.fn()}
        error="Please correct the comment."
        fieldErrors={{ comment: "String should have at most 4000 characters" }}
      />,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("Please correct the comment.");
    expect(screen.getByLabelText("Comment (optional)")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("String should have at most 4000 characters")).toBeInTheDocument();
  });
});
