/** The HTTP layer's public surface; other modules import from here. */
export { HttpClient, DEFAULT_TIMEOUTS, defaultEndpoint } from './client.js';
export { RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
export { DEFAULT_RETRY, parseRetryAfter } from './retry-policy.js';
export { MAX_REDIRECTS } from './redirects.js';
export { redactUrl, redactText } from './redact.js';
export { proxyFromEnv, parseProxyEnv, buildProxyAgent, type ProxyConfig, type ProxyAuthMode, type ProxyAgentOptions } from './proxy.js';
export type {
  AuthProvider,
  HttpClientOptions,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  RequestEvent,
  RequestOutcome,
  RetryOptions,
  Timeouts,
} from './types.js';
