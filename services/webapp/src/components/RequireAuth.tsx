import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import type { Me } from "../api/client";
import { useMe } from "../api/queries";
import { ErrorNote, Loading } from "./Status";

/** Renders `children(me)` for a logged-in user; otherwise sends them to log in and back. */
export function RequireAuth({ children }: { children: (me: Me) => ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorNote error={me.error} retry={() => void me.refetch()} />;
  if (!me.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/log-in?next=${next}`} replace />;
  }
  return <>{children(me.data)}</>;
}
