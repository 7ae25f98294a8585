/**
 * How long an account rests after a 429 that names no reset (every caller of
 * `Feedback.rateLimited`: the usage service, the model bridge, pi's reports).
 */
export const DEFAULT_REST_MS = 60_000;
