export { JsonDepthGuard, jsonNestsDeeperThan, MAX_JSON_DEPTH } from './depth.js';
