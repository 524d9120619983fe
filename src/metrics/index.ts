/**
 * metrics/'s public surface: Prometheus metrics for one app instance, served at GET /metrics, and the
 * cheap usage scanner the native pass-through uses to count tokens without parsing bodies.
 */
export { createMetrics, upstreamErrorType, type Metrics, type MetricsOptions } from './metrics.js';
export { UsageScanner } from './usage-scan.js';
