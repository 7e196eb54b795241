// The names of the document's security schemes (api-document.ts declares them): the API key,
// taken on every /v1 operation, and the dashboard's session cookie, taken on the reads.
export const BEARER_SCHEME = 'bearer';
export const SESSION_SCHEME = 'session';
