package io.consolidb.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.TracingSettings;
import io.consolidb.testsupport.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Spans batched and exported by the thread that fills a batch: batch sizes, who sends, the
 * periodic flush of a partial batch, the bounds when the collector does not answer, flush and
 * shutdown, and many threads ending spans at once.
 */
class SpanBatchesTest {

  private final Exports exports = new Exports();
  private SdkTracerProvider provider;
  private Vertx vertx;

  @AfterEach
  void close() throws Exception {
    if (provider != null) {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private Tracer tracer(SpanBatches batches, Sampler sampler) {
    provider = SdkTracerProvider.builder().setSampler(sampler).addSpanProcessor(batches).build();
    return provider.get("test");
  }

  private static void end(Tracer tracer, int spans) {
    for (int i = 0; i < spans; i++) {
      tracer.spanBuilder("s" + i).startSpan().end();
    }
  }

  @Test
  void theThreadThatFillsABatchSendsIt_inTheOrderTheSpansEnded() {
    SpanBatches batches = new SpanBatches(exports, 4, 100, 2, 60_000);
    Tracer tracer = tracer(batches, Sampler.alwaysOn());

    end(tracer, 10);

    assertThat(exports.sizes).containsExactly(4, 4);
    assertThat(exports.threads).containsOnly(Thread.currentThread().getName());
    assertThat(exports.names).containsExactly("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7");
  }

  @Test
  void aPartialBatchLeavesWithThePeriodicFlush() {
    vertx = Vertx.vertx();
    SpanBatches batches = new SpanBatches(exports, 64, 100, 2, 100);
    batches.bind(vertx);
    Tracer tracer = tracer(batches, Sampler.alwaysOn());

    end(tracer, 3);

    Await.until("the three spans sent by the flush", 5_000, () -> exports.names.size() == 3);
    assertThat(exports.sizes).containsExactly(3);
  }

  @Test
  void spansNotSampledAreNotExported() {
    SpanBatches batches = new SpanBatches(exports, 1, 100, 2, 60_000);
    // recorded (its attributes readable in process) but not sampled: not for the collector
    Tracer tracer = tracer(batches, new Sampler() {
      @Override
      public SamplingResult shouldSample(io.opentelemetry.context.Context parent, String traceId, String name,
          io.opentelemetry.api.trace.SpanKind kind, io.opentelemetry.api.common.Attributes attributes,
          List<io.opentelemetry.sdk.trace.data.LinkData> links) {
        return SamplingResult.recordOnly();
      }

      @Override
      public String getDescription() {
        return "record only";
      }
    });

    end(tracer, 5);

    assertThat(exports.names).isEmpty();
  }

  @Test
  void aCollectorThatDoesNotAnswer_boundsWhatWaits_andDropsTheRest() {
    exports.answer = false; // every export stays on its way
    SpanBatches batches = new SpanBatches(exports, 4, 10, 2, 60_000);
    Tracer tracer = tracer(batches, Sampler.alwaysOn());

    end(tracer, 100);

    assertThat(exports.sizes).as("two batches on their way at most").containsExactly(4, 4);
    assertThat(batches.dropped()).as("10 wait, the rest is dropped").isEqualTo(100 - 8 - 10);

    exports.answerAll();
    end(tracer, 1); // the next span that fills a batch sends what waited
    assertThat(exports.names).hasSize(8 + 8);
  }

  @Test
  void forceFlushSendsEverythingQueued_andCompletesWhenItWasAnswered() {
    exports.answer = false;
    SpanBatches batches = new SpanBatches(exports, 4, 100, 1, 60_000);
    Tracer tracer = tracer(batches, Sampler.alwaysOn());
    end(tracer, 7); // one batch on its way, three spans waiting

    CompletableResultCode flushed = batches.forceFlush();

    assertThat(exports.sizes).containsExactly(4, 3);
    assertThat(flushed.isDone()).as("not before the collector answered").isFalse();
    exports.answerAll();
    assertThat(flushed.join(5, TimeUnit.SECONDS).isSuccess()).isTrue();
  }

  @Test
  void shutdownSendsWhatWaits_closesTheExporter_andTakesNothingMore() {
    SpanBatches batches = new SpanBatches(exports, 64, 100, 2, 60_000);
    Tracer tracer = tracer(batches, Sampler.alwaysOn());
    end(tracer, 5);

    assertThat(batches.shutdown().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();
    end(tracer, 5);

    assertThat(exports.names).hasSize(5);
    assertThat(exports.shutdown).isTrue();
  }

  @Test
  void manyThreadsEndingSpans_eachSpanIsSentOnce() throws Exception {
    SpanBatches batches = new SpanBatches(exports, 16, 100_000, 64, 60_000);
    Tracer tracer = tracer(batches, Sampler.alwaysOn());
    int threads = 4;
    int perThread = 5_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread thread = new Thread(() -> {
        try {
          if (!start.await(10, TimeUnit.SECONDS)) {
            return;
          }
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          tracer.spanBuilder("t" + id + "-" + i).startSpan().end();
        }
      });
      thread.start();
      running.add(thread);
    }
    start.countDown();
    for (Thread thread : running) {
      thread.join(30_000);
    }
    batches.forceFlush().join(10, TimeUnit.SECONDS);

    assertThat(exports.names).hasSize(threads * perThread);
    assertThat(Set.copyOf(exports.names)).hasSize(threads * perThread);
    assertThat(batches.dropped()).isZero();
  }

  @Test
  void theNodesSdkCountsWhatItDropsInTheNodesRegistry() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (OpenTelemetrySdk sdk = Tracing.sdk(new TracingSettings("http://127.0.0.1:4318", 1.0, "t"), registry)) {
      assertThat(registry.get("consolidb.tracing.spans.dropped").functionCounter().count()).isZero();
    }
  }

  /** An exporter that notes each batch; it answers at once, or holds the answers until told. */
  private static final class Exports implements SpanExporter {
    final List<Integer> sizes = new CopyOnWriteArrayList<>();
    final List<String> names = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    final Set<CompletableResultCode> held = ConcurrentHashMap.newKeySet();
    volatile boolean answer = true;
    volatile boolean shutdown;

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      sizes.add(spans.size());
      spans.forEach(span -> names.add(span.getName()));
      threads.add(Thread.currentThread().getName());
      if (answer) {
        return CompletableResultCode.ofSuccess();
      }
      CompletableResultCode result = new CompletableResultCode();
      held.add(result);
      return result;
    }

    void answerAll() {
      answer = true;
      held.forEach(CompletableResultCode::succeed);
      held.clear();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      shutdown = true;
      return CompletableResultCode.ofSuccess();
    }
  }
}
