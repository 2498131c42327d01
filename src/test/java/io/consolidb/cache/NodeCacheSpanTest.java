package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.config.TracingSettings;
import io.consolidb.tracing.Tracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code cache.read} span of a node that traces: one per read, the tiers' outcomes as
 * attributes (never the key or the value), status ERROR when the read fails; none when the
 * trace is not sampled. Local tier only (Redis off): the span tree with Redis is TracingTest's.
 */
class NodeCacheSpanTest {

  private static final String KEY = "restaurants:id:key-7f3q";
  private static final CacheSpec SPEC = new CacheSpec(60, KEY, List.of("t"));

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private Vertx vertx;
  private OpenTelemetrySdk sdk;

  private NodeCache tracedCache(double sampleRatio) {
    sdk = Tracing.sdk(new TracingSettings("http://unused:4318", sampleRatio, "cache"), SimpleSpanProcessor.create(spans));
    vertx = Tracing.traced(Vertx.builder(), sdk).build();
    Tracing.register(vertx, sdk);
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, "spans:", 3, 1, 1 << 20, 0, 3000, 20);
    return new NodeCache(vertx, settings, new RedisSettings(false, "redis://127.0.0.1:1", "", false, 0.1, 1),
        new SimpleMeterRegistry());
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    sdk.close();
  }

  private static RowsLoader answering(Future<JsonArray> answer) {
    return new RowsLoader() {
      @Override
      public Future<JsonArray> load() {
        return answer;
      }
    };
  }

  private List<SpanData> reads() {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("cache.read")).toList();
  }

  @Test
  void eachRead_oneSpanWithItsOutcome_neverTheKeyOrValue() throws Exception {
    NodeCache cache = tracedCache(1.0);
    cache.readThrough(KEY, SPEC, answering(Future.succeededFuture(JsonArray.of("secret-row")))).await(10, TimeUnit.SECONDS);
    cache.readThrough(KEY, SPEC, answering(Future.succeededFuture(JsonArray.of("other")))).await(10, TimeUnit.SECONDS);

    List<SpanData> reads = reads();
    assertThat(reads).hasSize(2);
    assertThat(reads.get(0).getAttributes().get(AttributeKey.stringKey("cache.outcome"))).isEqualTo("load");
    assertThat(reads.get(0).getAttributes().get(AttributeKey.booleanKey("cache.local.hit"))).isFalse();
    assertThat(reads.get(1).getAttributes().get(AttributeKey.stringKey("cache.outcome"))).isEqualTo("local_hit");
    assertThat(reads.get(1).getAttributes().get(AttributeKey.booleanKey("cache.local.hit"))).isTrue();
    assertThat(reads.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(reads.toString()).doesNotContain("key-7f3q").doesNotContain("secret-row");
  }

  @Test
  void aFailedRead_endsItsSpanWithStatusError() throws Exception {
    NodeCache cache = tracedCache(1.0);
    Future<JsonArray> read = cache.readThrough(KEY, SPEC, answering(Future.failedFuture("database down")));
    assertThatThrownBy(() -> read.await(10, TimeUnit.SECONDS)).hasMessageContaining("database down");
    assertThat(reads()).singleElement().satisfies(span -> {
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.hasEnded()).isTrue();
    });
  }

  @Test
  void aTraceNotSampled_recordsNoSpan_andTheReadStillAnswers() throws Exception {
    NodeCache cache = tracedCache(0.0);
    assertThat(cache.readThrough(KEY, SPEC, answering(Future.succeededFuture(JsonArray.of(1)))).await(10, TimeUnit.SECONDS))
        .isEqualTo(JsonArray.of(1));
    assertThat(reads()).isEmpty();
  }
}
