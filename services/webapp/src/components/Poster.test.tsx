import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Poster, wrapTitle } from "./Poster";

describe("Poster", () => {
  it("shows the image with alt text while it loads", () => {
    render(<Poster url="https://img.example/p.jpg" title="Metropolis" year={1927} />);
    expect(screen.getByRole("img", { name: "Poster of Metropolis" })).toHaveAttribute("src", "https://img.example/p.jpg");
  });

  it("draws a placeholder when the image fails to load", () => {
    render(<Poster url="https://img.example/gone.jpg" title="Metropolis" year={1927} />);
    fireEvent.error(screen.getByRole("img", { name: "Poster of Metropolis" }));
    expect(screen.queryByRole("img", { name: "Poster of Metropolis" })).not.toBeInTheDocument();
    const drawn = screen.getByRole("img", { name: "No poster for Metropolis" });
    expect(drawn.tagName.toLowerCase()).toBe("svg");
    expect(drawn).toHaveTextContent("Metropolis");
    expect(drawn).toHaveTextContent("1927");
  });

  it("draws a placeholder without a URL, wrapping long titles", () => {
    render(<Poster url={null} title="The Discreet Charm of the Bourgeoisie" />);
    expect(screen.getByRole("img", { name: /No poster for The Discreet/ })).toBeInTheDocument();
    expect(wrapTitle("The Discreet Charm of the Bourgeoisie")).toEqual(["The Discreet", "Charm of the", "Bourgeoisie"]);
    expect(wrapTitle("A B C D E F G H I J K L M N O P Q R S T U V W X Y Z", 5, 2)).toEqual(["A B C", "D E …"]);
  });
});
