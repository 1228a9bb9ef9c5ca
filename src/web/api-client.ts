// How the dashboard asks the API: the API's own handlers, in process, with the
// signed-in person's token, exactly as an HTTP client would. Every rule, every
// check of who may do what and every message is the API's; a refusal comes
// back in the API's error shape, with the field it concerns.

export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  /** The request field the API named (`schedule`, `deadline`, `ttlMs`, …). */
  field?: string;
}

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; error: ApiFailure };

/** The API app's `request`: a path and a RequestInit in, a Response out. */
export type ApiRequest = (path: string, init: RequestInit) => Response | Promise<Response>;

export class ApiClient {
  constructor(
    private readonly request: ApiRequest,
    private readonly token: string,
  ) {}

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<ApiResult<T>> {
    const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
    return this.call<T>('GET', q.size ? `${path}?${q}` : path);
  }

  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<ApiResult<T>> {
    return this.call<T>(method, path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.request(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (res.ok) return { ok: true, status: res.status, body: parsed as T };
    const error = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    return {
      ok: false,
      error: {
        status: res.status,
        code: error?.code ?? 'internal',
        message: error?.message ?? `the API answered ${res.status}`,
        ...(error?.field === undefined ? {} : { field: error.field }),
      },
    };
  }
}

/** `owner/name` or an id as one path segment. */
export const seg = (ref: string) => encodeURIComponent(ref);
