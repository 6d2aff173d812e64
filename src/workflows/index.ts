// Bundle entry for the worker: every workflow type the project registers.
export { healthCheck } from './health-check';
