import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { ApiError, errorMessage } from "../api/problem";
import { useLogIn } from "../api/queries";
import { Field, FormError } from "../components/Field";
import { useTitle } from "../lib/useTitle";

/** Only paths on this site: `?next=https://evil.example` must not become an open redirect. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export default function LogInPage() {
  useTitle("Log in");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const logIn = useLogIn();
  const [login, setLogin] = useState(params.get("login") ?? "");
  const [password, setPassword] = useState("");
  const errors = logIn.error instanceof ApiError ? logIn.error.fieldErrors : {};
  const message =
    logIn.error instanceof ApiError && logIn.error.status === 401
      ? "Wrong login or password."
      : logIn.error && !(logIn.error instanceof ApiError && logIn.error.status === 422)
        ? errorMessage(logIn.error)
        : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    logIn.mutate({ login: login.trim(), password }, { onSuccess: () => navigate(safeNext(params.get("next"))) });
  }

  return (
    <div className="page form-page">
      <h1>Log in</h1>
      {params.get("registered") ? <p role="status">Your account is ready: log in to start.</p> : null}
      <form onSubmit={submit} noValidate className="stack-form">
        <FormError message={message} />
        <Field label="Login" name="login" value={login} onChange={(e) => setLogin(e.target.value)} error={errors.login} autoComplete="username" required />
        <Field label="Password" name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} error={errors.password} autoComplete="current-password" required />
        <button type="submit" className="primary" disabled={logIn.isPending}>
          {logIn.isPending ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p>
        New here? <Link to="/register">Create an account</Link>.
      </p>
    </div>
  );
}
