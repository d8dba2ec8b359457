/**
 * The in-process event bus: decisions, approvals and agent changes, as they happen. The
 * server streams them (`GET /v1/events`), webhooks deliver them, and the approval queue
 * listens here, once, for every waiting request (`?wait=`). Listeners never block the emitter.
 */
import { EventEmitter } from 'node:events';

export interface WardenEvent {
  type: string;
  time: string;
  data: Record<string, unknown>;
}

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every SSE client is a listener; the approval queue is one however many wait.
    this.emitter.setMaxListeners(0);
  }

  emit(type: string, data: Record<string, unknown>, time = new Date().toISOString()): void {
    const event: WardenEvent = { type, time, data };
    this.emitter.emit('event', event);
  }

  /** How many listen now (SSE clients, webhooks, the approval queue's one listener). */
  listenerCount(): number {
    return this.emitter.listenerCount('event');
  }

  subscribe(listener: (event: WardenEvent) => void): () => void {
    const safe = (e: WardenEvent) => {
      try {
        listener(e);
      } catch {
        // A broken listener must not stop the others or the emitter.
      }
    };
    this.emitter.on('event', safe);
    return () => this.emitter.off('event', safe);
  }
}
