import { Link } from "react-router-dom";
import type { User } from "../api/client";
import { Avatar } from "./Avatar";

export function UserRow({ user, note }: { user: User; note?: string }) {
  return (
    <Link to={`/users/${user.id}`} className="user-row">
      <Avatar url={user.avatar_url} login={user.login} size={40} />
      <span>
        <strong>{user.login}</strong>
        {user.name ? <span className="muted"> · {user.name}</span> : null}
        {note ? <span className="muted small"> {note}</span> : null}
      </span>
    </Link>
  );
}
