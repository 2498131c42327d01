package io.consolidb.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.TracingSettings;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SelfSignedCertificate;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exporter's sender on the node's Vert.x, against a collector stand-in on another Vert.x: what
 * it posts, which answers it retries and how often, and that a collector hung, absent or a Vert.x
 * not there (yet, or any more) fails the batch within its timeout instead of holding it.
 */
class VertxSpanSenderTest {

  private static final RetryPolicy QUICK_RETRIES = RetryPolicy.builder().setMaxAttempts(3)
      .setInitialBackoff(Duration.ofMillis(20)).setMaxBackoff(Duration.ofMillis(50)).build();

  private Vertx node;
  private Vertx collectorVertx;
  private final List<String> received = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    node = Vertx.vertx();
    collectorVertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    node.close().await(10, TimeUnit.SECONDS);
    collectorVertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void postsTheBatchAsProtobuf_onKeptAliveConnections() throws Exception {
    int port = collector(request -> request.response().end());
    OtlpHttpSpanExporter exporter = bound(port, QUICK_RETRIES, Duration.ofSeconds(5));

    for (int i = 0; i < 6; i++) {
      assertThat(export(exporter).isSuccess()).isTrue();
    }

    assertThat(received).hasSize(6).allSatisfy(line -> assertThat(line)
        .startsWith("POST /v1/traces application/x-protobuf ").endsWith(" true"));
    // kept alive: a batch sent the moment the last one was answered may find that connection
    // not back in the pool yet and open the second the pool allows, never more
    assertThat(connections.get()).as("connections opened for six batches").isBetween(1, 2);
    exporter.shutdown().join(10, TimeUnit.SECONDS);
  }

  @Test
  void retriesWhatTheCollectorCallsTemporary_untilItTakesTheBatch() throws Exception {
    AtomicInteger answered = new AtomicInteger();
    int port = collector(request -> request.response().setStatusCode(answered.getAndIncrement() < 2 ? 503 : 200).end());

    CompletableResultCode result = export(bound(port, QUICK_RETRIES, Duration.ofSeconds(5)));

    assertThat(result.isSuccess()).isTrue();
    assertThat(received).as("two answers 503, then 200").hasSize(3)
        .as("each attempt carries the whole batch").allSatisfy(line -> assertThat(line).endsWith(" true"))
        .as("the same bytes each time").allSatisfy(line -> assertThat(line).isEqualTo(received.get(0)));
  }

  @Test
  void givesUpAfterThePolicysAttempts() throws Exception {
    int port = collector(request -> request.response().setStatusCode(503).end());

    CompletableResultCode result = export(bound(port, QUICK_RETRIES, Duration.ofSeconds(5)));

    assertThat(result.isSuccess()).isFalse();
    assertThat(received).as("max attempts 3").hasSize(3);
  }

  @Test
  void doesNotRetryABatchTheCollectorRefuses() throws Exception {
    int port = collector(request -> request.response().setStatusCode(400).end("bad batch"));

    CompletableResultCode result = export(bound(port, QUICK_RETRIES, Duration.ofSeconds(5)));

    assertThat(result.isSuccess()).isFalse();
    assertThat(received).hasSize(1);
  }

  @Test
  void aCollectorThatNeverAnswersCostsTheBatchWithinTheTimeout() throws Exception {
    int port = collector(request -> { }); // reads the batch, never answers
    OtlpHttpSpanExporter exporter = bound(port, null, Duration.ofMillis(500));

    long started = System.nanoTime();
    CompletableResultCode result = export(exporter);

    assertThat(result.isSuccess()).isFalse();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(400L, 3_000L);
    assertThat(received).hasSize(1);
  }

  @Test
  void aCollectorNotListeningIsRetried_thenTheBatchFailsAtOnce() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    long started = System.nanoTime();
    CompletableResultCode result = export(bound(port, QUICK_RETRIES, Duration.ofSeconds(5)));

    assertThat(result.isSuccess()).isFalse();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(3_000L);
  }

  @Test
  void beforeItsVertxExists_andAfterItClosed_aBatchFailsAtOnce() throws Exception {
    int port = collector(request -> request.response().end());
    OtlpHttpSpanExporter unbound = VertxSpanSender.exporter(sender -> { })
        .setEndpoint("http://127.0.0.1:" + port + "/v1/traces").build();
    assertThat(export(unbound).isSuccess()).isFalse();

    OtlpHttpSpanExporter exporter = bound(port, QUICK_RETRIES, Duration.ofSeconds(5));
    node.close().await(10, TimeUnit.SECONDS);
    long started = System.nanoTime();
    assertThat(export(exporter).isSuccess()).isFalse();
    assertThat(exporter.shutdown().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(2_000L);
    assertThat(received).isEmpty();
  }

  @Test
  void overHttps_theCollectorsCertificateIsVerified() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    try {
      HttpServer server = collectorVertx.createHttpServer(new HttpServerOptions().setSsl(true)
              .setKeyCertOptions(certificate.keyCertOptions()))
          .requestHandler(request -> request.body().onSuccess(body -> {
            received.add(request.path());
            request.response().end();
          }))
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      String endpoint = "https://localhost:" + server.actualPort() + "/v1/traces";

      VertxSpanSender[] untrusting = new VertxSpanSender[1];
      OtlpHttpSpanExporter strange = VertxSpanSender.exporter(created -> untrusting[0] = created)
          .setEndpoint(endpoint).setRetryPolicy(null).build();
      untrusting[0].bind(node);
      assertThat(export(strange).isSuccess()).as("a certificate no trust store vouches for").isFalse();
      assertThat(received).isEmpty();

      VertxSpanSender[] trusting = new VertxSpanSender[1];
      OtlpHttpSpanExporter trusted = VertxSpanSender.exporter(created -> trusting[0] = created)
          .setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(Files.readAllBytes(Path.of(certificate.certificatePath()))).build();
      trusting[0].bind(node);
      assertThat(export(trusted).isSuccess()).isTrue();
      assertThat(received).containsExactly("/v1/traces");
    } finally {
      certificate.delete();
    }
  }

  @Test
  void anExportStartedInsideATracedRequest_isNotTracedAndCarriesNoneOfItsIds() throws Exception {
    List<String> traceparents = new CopyOnWriteArrayList<>();
    int port = collector(request -> {
      traceparents.add(String.valueOf(request.getHeader("traceparent")));
      request.response().end();
    });
    InMemorySpanExporter recorded = InMemorySpanExporter.create();
    OpenTelemetrySdk sdk = Tracing.sdk(new TracingSettings("http://unused:4318", 1.0, "sender"),
        SimpleSpanProcessor.create(recorded));
    Vertx traced = Tracing.traced(Vertx.builder(), sdk).build();
    try {
      VertxSpanSender[] sender = new VertxSpanSender[1];
      OtlpHttpSpanExporter exporter = VertxSpanSender.exporter(created -> sender[0] = created)
          .setEndpoint("http://127.0.0.1:" + port + "/v1/traces").setRetryPolicy(null).build();
      sender[0].bind(traced);
      Span request = sdk.getTracer("test").spanBuilder("request").startSpan();
      CompletableFuture<CompletableResultCode> result = new CompletableFuture<>();
      // as SpanBatches does when a request's span fills a batch: the export starts on that request's context
      traced.runOnContext(v -> Tracing.within(request, () -> {
        result.complete(exporter.export(List.of(span())));
        return Future.succeededFuture();
      }));

      assertThat(result.get(10, TimeUnit.SECONDS).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(traceparents).containsExactly("null");
      assertThat(recorded.getFinishedSpanItems()).as("no span for the export's own request").isEmpty();
      request.end();
    } finally {
      traced.close().await(10, TimeUnit.SECONDS);
      sdk.close();
    }
  }

  private final AtomicInteger connections = new AtomicInteger();

  /** A collector stand-in that notes each request (method, path, type, size, whether it names the span) before {@code answer}. */
  private int collector(Consumer<HttpServerRequest> answer) throws Exception {
    HttpServer server = collectorVertx.createHttpServer()
        .connectionHandler(connection -> connections.incrementAndGet())
        .requestHandler(request -> request.body().onSuccess(body -> {
          received.add(request.method() + " " + request.path() + " " + request.getHeader("Content-Type") + " "
              + body.length() + " " + body.toString().contains("restaurant.lookup"));
          answer.accept(request);
        }))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private OtlpHttpSpanExporter bound(int port, RetryPolicy retries, Duration timeout) {
    VertxSpanSender[] sender = new VertxSpanSender[1];
    OtlpHttpSpanExporter exporter = VertxSpanSender.exporter(created -> sender[0] = created)
        .setEndpoint("http://127.0.0.1:" + port + "/v1/traces").setRetryPolicy(retries).setTimeout(timeout).build();
    sender[0].bind(node);
    return exporter;
  }

  private static CompletableResultCode export(OtlpHttpSpanExporter exporter) {
    return exporter.export(List.of(span())).join(15, TimeUnit.SECONDS);
  }

  private static SpanData span() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans))
        .build()) {
      provider.get("test").spanBuilder("restaurant.lookup").startSpan().end();
      return spans.getFinishedSpanItems().get(0);
    }
  }
}
