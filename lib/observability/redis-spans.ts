// A span per Redis command, but only inside a traced operation: commands with no active span
// (BullMQ's polling, pub/sub housekeeping, heartbeats) stay untraced, so a trace shows the Redis
// calls a request made and nothing else. ioredis has no hook for this, and module patching does not
// reach ESM imports, so the one method every command goes through is wrapped once per process.
import { context, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { Redis } from 'ioredis';

interface Command {
  name: string;
  promise: Promise<unknown>;
}

export function traceRedisCommands(tracer: () => Tracer): () => void {
  const prototype = Redis.prototype as unknown as { sendCommand: (command: Command, ...rest: unknown[]) => unknown };
  const original = prototype.sendCommand;
  prototype.sendCommand = function (this: Redis, command: Command, ...rest: unknown[]) {
    if (!trace.getSpan(context.active())?.isRecording()) return original.call(this, command, ...rest);
    const span: Span = tracer().startSpan(`redis ${command.name}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'redis', 'db.operation.name': command.name.toUpperCase() },
    });
    command.promise.then(
      () => span.end(),
      (error: Error) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.end();
      },
    );
    return original.call(this, command, ...rest);
  };
  return () => {
    prototype.sendCommand = original;
  };
}
