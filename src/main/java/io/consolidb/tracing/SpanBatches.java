package io.consolidb.tracing;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finished spans, exported in batches by the thread that fills a batch (most often the event loop
 * that ended the span), and by a periodic flush for what a quiet node leaves queued. Why not the
 * SDK's {@code BatchSpanProcessor}: its worker thread wakes for every batch and marshals it in one
 * burst, and on a node whose cores are busy serving queries that burst preempts the event loop the
 * database is waiting on, so both sit idle (docs/BENCHMARKS.md, "Tracing overhead, seventh look":
 * at full sampling 0.64–0.69 of untraced throughput with that worker, 0.84–0.89 exporting here). The
 * marshalling costs the same; here it happens in small pieces where the spans were made.
 *
 * <p>Bounded as the SDK's is: at most {@code maxQueued} spans wait and at most {@code maxInFlight}
 * batches are on their way; a span that finds the queue full is dropped and counted, so a slow or
 * absent collector costs memory nothing and requests nothing.
 */
final class SpanBatches implements SpanProcessor {

  private static final Logger LOG = LoggerFactory.getLogger(SpanBatches.class);
  private static final long DROP_LOG_INTERVAL_NANOS = 60_000_000_000L;

  private final SpanExporter exporter;
  private final int batchSize;
  private final int maxQueued;
  private final int maxInFlight;
  private final long flushMs;
  private final ConcurrentLinkedQueue<SpanData> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  /**
   * One thread takes batches at a time, so they leave in the order their spans ended; only
   * {@link #forceFlush} (a stopping node, a test) takes beside it, and may reorder its last batches.
   */
  private final AtomicBoolean taking = new AtomicBoolean();
  private final Set<CompletableResultCode> sending = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong droppedLogged = new AtomicLong();
  private volatile long lastDropLogNanos = System.nanoTime() - DROP_LOG_INTERVAL_NANOS;
  private volatile boolean stopped;
  private volatile Vertx vertx;
  private volatile long timer = -1;

  /**
   * @param exporter must accept concurrent exports (an OTLP exporter in {@code IMMUTABLE_DATA} mode)
   * @param flushMs how long a span at most waits for its batch to fill, once {@link #bind} gave a Vert.x
   */
  SpanBatches(SpanExporter exporter, int batchSize, int maxQueued, int maxInFlight, long flushMs) {
    this.exporter = exporter;
    this.batchSize = batchSize;
    this.maxQueued = maxQueued;
    this.maxInFlight = maxInFlight;
    this.flushMs = flushMs;
  }

  /** Starts the periodic flush on {@code vertx}'s timers. */
  void bind(Vertx vertx) {
    this.vertx = vertx;
    timer = vertx.setPeriodic(flushMs, id -> take(1));
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
  }

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (stopped || !span.getSpanContext().isSampled()) {
      return;
    }
    if (queued.incrementAndGet() > maxQueued) {
      queued.decrementAndGet();
      drop(1);
    } else {
      queue.offer(span.toSpanData());
    }
    if (queued.get() >= batchSize) { // a full queue too: what waits leaves as soon as a batch was answered
      take(batchSize);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  /** Sends batches while at least {@code atLeast} spans are queued and fewer than the maximum are on their way. */
  private void take(int atLeast) {
    if (!taking.compareAndSet(false, true)) {
      return; // another thread is taking: it sends these too
    }
    try {
      while (queued.get() >= atLeast && inFlight.get() < maxInFlight) {
        List<SpanData> batch = next();
        if (batch.isEmpty()) {
          break; // counted, not in the queue yet: its thread takes it
        }
        send(batch);
      }
    } finally {
      taking.set(false);
    }
  }

  private List<SpanData> next() {
    List<SpanData> batch = new ArrayList<>(batchSize);
    SpanData span;
    while (batch.size() < batchSize && (span = queue.poll()) != null) {
      batch.add(span);
    }
    queued.addAndGet(-batch.size());
    return batch;
  }

  private CompletableResultCode send(List<SpanData> batch) {
    inFlight.incrementAndGet();
    CompletableResultCode result;
    try {
      result = exporter.export(batch);
    } catch (RuntimeException e) {
      result = CompletableResultCode.ofExceptionalFailure(e);
    }
    CompletableResultCode sent = result;
    sending.add(sent);
    sent.whenComplete(() -> {
      sending.remove(sent);
      inFlight.decrementAndGet();
    });
    return sent;
  }

  private void drop(int spans) {
    long total = dropped.addAndGet(spans);
    long now = System.nanoTime();
    if (now - lastDropLogNanos >= DROP_LOG_INTERVAL_NANOS) {
      lastDropLogNanos = now;
      LOG.warn("tracing: {} spans dropped since the last notice, the collector does not keep up",
          total - droppedLogged.getAndSet(total));
    }
  }

  /** Spans dropped because the queue was full, since the start. */
  long dropped() {
    return dropped.get();
  }

  /** Sends everything queued, whatever is already on its way; completes when all of it was answered. */
  @Override
  public CompletableResultCode forceFlush() {
    List<CompletableResultCode> results = new ArrayList<>(sending);
    for (List<SpanData> batch = next(); !batch.isEmpty(); batch = next()) {
      results.add(send(batch));
    }
    return CompletableResultCode.ofAll(results);
  }

  @Override
  public CompletableResultCode shutdown() {
    if (stopped) {
      return CompletableResultCode.ofSuccess();
    }
    stopped = true;
    Vertx on = vertx;
    if (on != null && timer >= 0) {
      try {
        on.cancelTimer(timer);
      } catch (RuntimeException closed) { // its Vert.x closed: the timer went with it
      }
    }
    CompletableResultCode done = new CompletableResultCode();
    forceFlush().whenComplete(() -> exporter.shutdown().whenComplete(done::succeed));
    return done;
  }
}
