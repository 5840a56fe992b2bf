import { Link } from "react-router-dom";
import { useTitle } from "../lib/useTitle";

export function NotFoundPage({ what = "page" }: { what?: string }) {
  useTitle("Not found");
  return (
    <div className="page not-found">
      <h1>Not found</h1>
      <p>We could not find that {what}. It may have been removed, or the address is mistyped.</p>
      <p>
        <Link to="/">Home</Link> · <Link to="/movies">Browse movies</Link>
      </p>
    </div>
  );
}

export default NotFoundPage;
