// RFC 9457 problem documents from the gateway, turned into something pages can show: a
// message for the form, and messages per input (`body.title` → `title`).
import type { components } from "./schema";

export type ProblemDetails = components["schemas"]["ProblemDetails"];

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails | null;

  constructor(status: number, problem: ProblemDetails | null) {
    super(problem?.detail || problem?.title || `request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }

  /** Messages per form field: `body.year` → `year`, `body.poster_url` → `poster_url`. */
  get fieldErrors(): Record<string, string> {
    return fieldErrors(this.problem);
  }
}

export function fieldErrors(problem: ProblemDetails | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const error of problem?.errors ?? []) {
    const parts = error.field.split(".");
    // Drop the location ("body", "query", "path"); keep the first property after it.
    const field = ["body", "query", "path", "header", "cookie"].includes(parts[0] ?? "")
      ? parts[1]
      : parts[0];
    if (!field) continue;
    out[field] = out[field] ? `${out[field]}; ${error.message}` : error.message;
  }
  return out;
}

function isProblem(value: unknown): value is ProblemDetails {
  return typeof value === "object" && value !== null && "status" in value && "title" in value;
}

/**
 * Unwraps an openapi-fetch result: the data, or an ApiError carrying the problem document.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, isProblem(result.error) ? result.error : null);
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 429) return "Too many attempts; please wait a moment and try again.";
    if (error.status === 503) return "Part of the site is unavailable right now; please retry shortly.";
    return error.message;
  }
  if (error instanceof TypeError) return "Could not reach the server. Check your connection.";
  return error instanceof Error ? error.message : String(error);
}
