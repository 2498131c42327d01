package io.consolidb.tracing;

import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.HttpResponse;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.TrustOptions;
import io.vertx.core.tracing.TracingPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The OTLP/HTTP exporter's sender on the node's own Vert.x HTTP client, instead of the SDK's JDK
 * one. Why: the JDK client brings a selector thread and an executor of its own and hands every
 * export between them; on a node whose cores serve queries that hand-off cost about as much as
 * marshalling the spans (docs/BENCHMARKS.md, "Tracing overhead, sixth look"). Here the batch is
 * marshalled on the thread that exports it and written by an event loop in one go, over a
 * kept-alive HTTP/1.1 connection.
 *
 * <p>As the SDK's senders do: each attempt is bounded by the configured timeout (a hung collector
 * costs a batch, never a request); answers 429, 502, 503 and 504 and refused connections are
 * retried with the configured policy's jittered exponential back-off; the collector's answer body
 * is read up to the configured size.
 *
 * <p>Over {@code https} the collector's certificate and host name are verified, against the
 * exporter's trusted certificates when it has some, else the JDK's trust store.
 *
 * <p>The sender exists before the node's Vert.x (the SDK goes into the Vert.x builder); {@link #bind}
 * gives it that Vert.x. A batch due before then, or after the Vert.x has closed, fails and is
 * dropped, as the exporter drops any batch it cannot send.
 */
final class VertxSpanSender implements HttpSender {

  private static final Set<Integer> RETRYABLE = Set.of(429, 502, 503, 504);

  private final HttpSenderConfig config;
  private final RequestOptions request;
  private volatile Vertx vertx;
  private volatile HttpClient client;

  VertxSpanSender(HttpSenderConfig config) {
    this.config = config;
    this.request = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(config.getEndpoint().toString())
        .setConnectTimeout(config.getConnectTimeout().toMillis())
        .setIdleTimeout(config.getTimeout().toMillis());
  }

  /**
   * An OTLP/HTTP span exporter builder whose exporter, once built, sends with a new sender of this
   * kind, handed to {@code created} for its {@link #bind}.
   */
  static OtlpHttpSpanExporterBuilder exporter(Consumer<VertxSpanSender> created) {
    HttpSenderProvider provider = config -> {
      VertxSpanSender sender = new VertxSpanSender(config);
      created.accept(sender);
      return sender;
    };
    ComponentLoader classPath = ComponentLoader.forClassLoader(VertxSpanSender.class.getClassLoader());
    return OtlpHttpSpanExporter.builder().setComponentLoader(new ComponentLoader() {
      @Override
      @SuppressWarnings("unchecked")
      public <T> Iterable<T> load(Class<T> type) {
        // the exporter asks for its sender here: this one, whatever else is on the class path
        return type == HttpSenderProvider.class ? List.of((T) provider) : classPath.load(type);
      }
    });
  }

  /** From now on batches go out on {@code vertx}'s HTTP client. */
  void bind(Vertx vertx) {
    // never traced itself: an export started where a span just ended would otherwise become its child
    HttpClientOptions options = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true)
        .setSsl("https".equals(config.getEndpoint().getScheme())).setVerifyHost(true)
        .setTracingPolicy(TracingPolicy.IGNORE);
    if (config.getTrustManager() != null) {
      // the exporter's own trusted certificates; without them the JDK's default trust store
      options.setTrustOptions(TrustOptions.wrap(config.getTrustManager()));
    }
    this.vertx = vertx; // first: a sender that sees the client sees its Vert.x
    // two connections: a batch can go while the last one's slow answer is still on its way
    this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(2));
  }

  /**
   * Marshals the batch on the calling thread (the one that filled it, {@link SpanBatches}) and sends
   * it from a context of its own: not the caller's, whose request id and span are not the export's.
   */
  @Override
  public void send(MessageWriter writer, Consumer<HttpResponse> onResponse, Consumer<Throwable> onError) {
    Buffer body;
    try {
      body = marshal(writer);
    } catch (IOException | RuntimeException e) {
      onError.accept(e);
      return;
    }
    ContextInternal caller = ContextInternal.current();
    if (caller == null) {
      attempt(body, 1).onSuccess(onResponse::accept).onFailure(onError::accept);
    } else {
      caller.duplicate().dispatch(v -> attempt(body, 1).onSuccess(onResponse::accept).onFailure(onError::accept));
    }
  }

  private Buffer marshal(MessageWriter writer) throws IOException {
    Buffer body = Buffer.buffer(Math.max(16, writer.getContentLength()));
    OutputStream out = new BufferOutput(body);
    if (config.getCompressor() != null) {
      try (OutputStream compressed = config.getCompressor().compress(out)) {
        writer.writeMessage(compressed);
      }
    } else {
      writer.writeMessage(out);
    }
    return body;
  }

  /** One attempt, then the retries the policy allows. */
  private Future<HttpResponse> attempt(Buffer body, int number) {
    HttpClient http = client;
    Vertx on = vertx;
    if (http == null) {
      return Future.failedFuture(new IllegalStateException("the node's Vert.x is not ready for exports yet"));
    }
    Future<HttpResponse> answer;
    try {
      answer = exchange(on, http, body);
    } catch (RuntimeException e) { // a Vert.x already closed
      return Future.failedFuture(e);
    }
    RetryPolicy retry = config.getRetryPolicy();
    if (retry == null || number >= retry.getMaxAttempts()) {
      return answer;
    }
    return answer.transform(done -> {
      boolean again = done.succeeded() ? RETRYABLE.contains(done.result().getStatusCode()) : retryable(done.cause());
      if (!again) {
        return done.succeeded() ? Future.succeededFuture(done.result()) : Future.failedFuture(done.cause());
      }
      long backoff = backoffMillis(retry, number);
      return Future.<Void>future(timer -> on.setTimer(backoff, id -> timer.complete()))
          .compose(v -> attempt(body, number + 1));
    });
  }

  private Future<HttpResponse> exchange(Vertx on, HttpClient http, Buffer body) {
    long deadline = config.getTimeout().toMillis();
    return http.request(request).compose(outgoing -> {
      outgoing.putHeader("Content-Type", config.getContentType());
      if (config.getCompressor() != null) {
        outgoing.putHeader("Content-Encoding", config.getCompressor().getEncoding());
      }
      Map<String, List<String>> headers = config.getHeadersSupplier() == null ? null : config.getHeadersSupplier().get();
      if (headers != null) {
        headers.forEach(outgoing::putHeader);
      }
      // the whole exchange within the timeout: a collector that trickles its answer is cut off too
      long timer = on.setTimer(deadline, id -> outgoing.reset(0, new TimeoutException(
          "the collector did not answer within " + deadline + " ms")));
      return outgoing.send(body).compose(this::read).onComplete(done -> on.cancelTimer(timer));
    });
  }

  private Future<HttpResponse> read(HttpClientResponse response) {
    return response.body().map(bytes -> {
      byte[] kept = bytes.length() > config.getMaxResponseBodySize()
          ? bytes.getBytes(0, (int) config.getMaxResponseBodySize()) : bytes.getBytes();
      return new Answer(response.statusCode(), response.statusMessage(), kept);
    });
  }

  private static boolean retryable(Throwable failure) {
    return failure instanceof ConnectException
        || failure instanceof io.vertx.core.http.HttpClosedException
        || failure instanceof TimeoutException;
  }

  /** The policy's back-off before attempt {@code number + 1}, with full jitter as the SDK's senders do. */
  static long backoffMillis(RetryPolicy retry, int number) {
    double ceiling = Math.min(retry.getInitialBackoff().toMillis() * Math.pow(retry.getBackoffMultiplier(), number - 1),
        retry.getMaxBackoff().toMillis());
    return Math.max(1, (long) (ThreadLocalRandom.current().nextDouble() * ceiling));
  }

  @Override
  public CompletableResultCode shutdown() {
    HttpClient http = client;
    if (http == null) {
      return CompletableResultCode.ofSuccess();
    }
    CompletableResultCode closed = new CompletableResultCode();
    try {
      http.close().onComplete(done -> closed.succeed());
    } catch (RuntimeException e) { // the node's Vert.x closed it already
      closed.succeed();
    }
    return closed;
  }

  private record Answer(int status, String message, byte[] body) implements HttpResponse {
    @Override
    public int getStatusCode() {
      return status;
    }

    @Override
    public String getStatusMessage() {
      return message;
    }

    @Override
    public byte[] getResponseBody() {
      return body;
    }
  }

  /** Appends what the marshaller writes to a Vert.x buffer, sized up front from the message's length. */
  private static final class BufferOutput extends OutputStream {
    private final Buffer buffer;

    BufferOutput(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public void write(int b) {
      buffer.appendByte((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      buffer.appendBytes(bytes, offset, length);
    }
  }
}
