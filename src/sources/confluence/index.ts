export { discoverPages, discoverySkip, emptyReport, KNOWN_CONTENT_TYPES, type DiscoveryOptions, type DiscoveryReport } from './discover.js';
export { discoveryStream } from './stream.js';
