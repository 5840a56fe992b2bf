import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import type { Registration } from "../api/client";
import { ApiError, errorMessage } from "../api/problem";
import { useLogIn, useRegister } from "../api/queries";
import { Field, FormError } from "../components/Field";
import { useTitle } from "../lib/useTitle";

const EMPTY = { login: "", email: "", password: "", name: "", avatar_url: "" };

export default function RegisterPage() {
  useTitle("Register");
  const [draft, setDraft] = useState(EMPTY);
  const register = useRegister();
  const logIn = useLogIn();
  const navigate = useNavigate();
  const error = register.error;
  const errors = error instanceof ApiError ? error.fieldErrors : {};
  const message =
    error instanceof ApiError && error.status === 409
      ? "That login or e-mail is already taken."
      : error && !(error instanceof ApiError && error.status === 422)
        ? errorMessage(error)
        : error
          ? "Please correct the fields marked below."
          : null;
  if (error instanceof ApiError && error.status === 409 && !errors.login) {
    errors.login = error.message;
  }
  const set = (key: keyof typeof EMPTY) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const body: Registration = { login: draft.login.trim(), email: draft.email.trim(), password: draft.password };
    if (draft.name.trim()) body.name = draft.name.trim();
    if (draft.avatar_url.trim()) body.avatar_url = draft.avatar_url.trim();
    register.mutate(body, {
      // Registered: log straight in with the same credentials.
      onSuccess: () =>
        logIn.mutate(
          { login: body.login, password: body.password },
          {
            onSuccess: () => navigate("/"),
            onError: () => navigate(`/log-in?registered=1&login=${encodeURIComponent(body.login)}`),
          },
        ),
    });
  }

  return (
    <div className="page form-page">
      <h1>Create an account</h1>
      <form onSubmit={submit} noValidate className="stack-form">
        <FormError message={message} />
        <Field label="Login" name="login" value={draft.login} onChange={set("login")} error={errors.login} autoComplete="username" hint="3–32 letters, digits, _ or ." required />
        <Field label="E-mail" name="email" type="email" value={draft.email} onChange={set("email")} error={errors.email} autoComplete="email" required />
        <Field label="Password" name="password" type="password" value={draft.password} onChange={set("password")} error={errors.password} autoComplete="new-password" hint="At least 10 characters" required />
        <Field label="Name (optional)" name="name" value={draft.name} onChange={set("name")} error={errors.name} autoComplete="name" />
        <Field label="Avatar URL (optional)" name="avatar_url" type="url" value={draft.avatar_url} onChange={set("avatar_url")} error={errors.avatar_url} />
        <button type="submit" className="primary" disabled={register.isPending || logIn.isPending}>
          {register.isPending ? "Creating…" : "Create account"}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/log-in">Log in</Link>.
      </p>
    </div>
  );
}
