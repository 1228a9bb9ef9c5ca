import { FieldError, Layout } from '../layout.js';

export function SignInPage(props: { csrf: string; error?: string; notice?: string }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <form method="post" action="/signin" class="card">
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="token">API token</label>
        <input
          type="password"
          id="token"
          name="token"
          autocomplete="off"
          required
          size={60}
          aria-describedby={props.error ? 'token-hint token-error' : 'token-hint'}
          aria-invalid={props.error ? 'true' : undefined}
        />
        <p class="hint" id="token-hint">
          A token made with <code>npx autobuild token create &lt;user&gt;</code> (it starts with <code>abk_</code>). It is kept in an
          encrypted, HttpOnly cookie until you sign out.
        </p>
        <FieldError id="token-error" message={props.error} />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </Layout>
  );
}
