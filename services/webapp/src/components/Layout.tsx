import { Suspense } from "react";
import { Link, NavLink, Outlet, useNavigate } from "react-router-dom";
import { useLogOut, useMe } from "../api/queries";
import { Avatar } from "./Avatar";
import { LogoMark } from "./Icons";
import { Loading } from "./Status";

export function Layout() {
  const me = useMe();
  const logOut = useLogOut();
  const navigate = useNavigate();
  const user = me.data;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <nav className="site-nav" aria-label="Main">
          <Link to="/" className="brand">
            <LogoMark /> <span>Movieweb</span>
          </Link>
          <ul className="nav-links">
            <li>
              <NavLink to="/movies">Movies</NavLink>
            </li>
            <li>
              <NavLink to="/users">People</NavLink>
            </li>
            {user ? (
              <>
                <li>
                  <NavLink to="/feed">Feed</NavLink>
                </li>
                <li>
                  <NavLink to="/movies/new">Add movie</NavLink>
                </li>
              </>
            ) : null}
          </ul>
          <div className="nav-session">
            {me.isPending ? null : user ? (
              <>
                <Link to={`/users/${user.id}`} className="nav-me" aria-label={`Your profile (${user.login})`}>
                  <Avatar url={user.avatar_url} login={user.login} size={28} />
                  <span className="nav-login">{user.login}</span>
                </Link>
                <button
                  type="button"
                  className="link-button"
                  disabled={logOut.isPending}
                  onClick={() => logOut.mutate(undefined, { onSettled: () => navigate("/") })}
                >
                  Log out
                </button>
              </>
            ) : (
              <>
                <NavLink to="/log-in">Log in</NavLink>
                <NavLink to="/register" className="button">
                  Register
                </NavLink>
              </>
            )}
          </div>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="site-footer">
        <p>Movieweb — ratings and reviews by people you choose to follow.</p>
      </footer>
    </>
  );
}
