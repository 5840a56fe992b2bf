import { isRouteErrorResponse, Link, useRouteError } from "react-router-dom";
import { errorMessage } from "../api/problem";
import { NotFoundPage } from "./NotFoundPage";

/** The router's error element: a page that broke while rendering or loading. */
export function ErrorPage() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  return (
    <div className="page error-page">
      <h1>Something went wrong</h1>
      <p>{isRouteErrorResponse(error) ? error.statusText : errorMessage(error)}</p>
      <p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>{" "}
        or <Link to="/">go to the home page</Link>.
      </p>
    </div>
  );
}
