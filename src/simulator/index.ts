/**
 * simulator/'s public surface: a simulated Anthropic API that enforces the real API's rules (rules.ts) and
 * answers deterministically (answer.ts). Tests, the benchmark and `claudine start --upstream demo` use it.
 * How prompts steer it and how faults are scripted: docs/simulator.md.
 */
export { startSimulator } from './server.js';
export type { Simulator, SimulatorOptions, Fault, ScriptOptions, RecordedRequest } from './server.js';
export { MODEL_RULES, GLOBAL_RULES, modelRule, capabilitiesOf } from './rules.js';
export type { ModelRule, Effort, ThinkingDisplay } from './rules.js';
export { DEMO_NOTICE } from './answer.js';
export { sseFrame, type SseEvent } from './events.js';
export { startDemoUpstream, DEMO_KEY, type DemoUpstream } from './demo.js';
