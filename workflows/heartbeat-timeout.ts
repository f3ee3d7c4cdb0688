/**
 * Heartbeat timeout of every activity (each beats every 2 s: activities/heartbeat-while.ts).
 * It bounds how long a run waits after a worker dies, or after a server
 * outage swallowed an activity's completion, before Temporal retries the
 * activity: the run moves on within about this long of the worker or server
 * coming back (docs/operations.md). Short enough for that, long enough for a
 * busy 2-core machine's event loop to beat in time.
 */
export const HEARTBEAT_TIMEOUT = '30 seconds';
