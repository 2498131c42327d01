package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The alert webhook against a real HTTP server: what it sends, and how each failure ends. */
class AlertWebhookTest {

  private final Vertx vertx = Vertx.vertx();
  private final Logger logger = (Logger) LoggerFactory.getLogger(AlertWebhook.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void capture() throws Exception {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void close() throws Exception {
    logger.detachAppender(logged);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private int server(Consumer<HttpServerRequest> handler) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(handler::accept).listen(0, "127.0.0.1")
        .await(5, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private Future<Integer> post(String url, long timeoutMs, JsonObject alert) throws Exception {
    Promise<Integer> result = Promise.promise();
    vertx.runOnContext(v -> new AlertWebhook(vertx, url, timeoutMs).post(alert).onComplete(result));
    return result.future();
  }

  /** Waits for {@code call} to end (well past any webhook timeout) and returns its failure. */
  private static Throwable failure(Future<Integer> call) throws Exception {
    Await.until("the webhook call ends", 5000, call::isComplete);
    assertThat(call.failed()).as("the call failed").isTrue();
    return call.cause();
  }

  private List<String> warnings() {
    return List.copyOf(logged.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  @DisplayName("the alert is POSTed as JSON and the call completes with the status; a 2xx logs nothing")
  void post_sendsJson() throws Exception {
    Promise<JsonObject> received = Promise.promise();
    int port = server(request -> {
      assertThat(request.method().name()).isEqualTo("POST");
      assertThat(request.getHeader("Content-Type")).isEqualTo("application/json");
      request.body().onSuccess(body -> {
        received.complete(body.toJsonObject());
        request.response().setStatusCode(204).end();
      });
    });
    JsonObject alert = new JsonObject().put("from", "HEALTHY").put("to", "DEGRADED");
    assertThat(post("http://127.0.0.1:" + port + "/hook", 2000, alert).await(10, TimeUnit.SECONDS)).isEqualTo(204);
    assertThat(received.future().await(1, TimeUnit.SECONDS)).isEqualTo(alert);
    assertThat(warnings()).isEmpty();
  }

  @Test
  @DisplayName("a non-2xx answer completes with its status and is logged with the URL's origin only")
  void post_errorStatus_loggedMasked() throws Exception {
    int port = server(request -> request.response().setStatusCode(500).end("no"));
    String url = "http://alert:s3cr3t@127.0.0.1:" + port + "/hook?token=s3cr3t";
    assertThat(post(url, 2000, new JsonObject()).await(10, TimeUnit.SECONDS)).isEqualTo(500);
    assertThat(warnings()).singleElement().satisfies(line -> {
      assertThat(line).contains("answered 500").contains("127.0.0.1:" + port);
      assertThat(line).doesNotContain("s3cr3t");
    });
  }

  @Test
  @DisplayName("a 3xx answer counts as a failure to deliver and is logged")
  void post_redirect_logged() throws Exception {
    int port = server(request -> request.response().setStatusCode(302).putHeader("Location", "/elsewhere").end());
    assertThat(post("http://127.0.0.1:" + port + "/hook", 2000, new JsonObject()).await(10, TimeUnit.SECONDS))
        .isEqualTo(302);
    assertThat(warnings()).singleElement().asString().contains("answered 302");
  }

  @Test
  @DisplayName("a receiver that never answers, or trickles its answer, is cut at the timeout, the failure logged"
      + " without secrets")
  void post_hungReceiver_timesOut() throws Exception {
    int port = server(request -> { }); // reads the request, never answers
    String url = "http://alert:s3cr3t@127.0.0.1:" + port + "/hook";
    long started = System.nanoTime();
    assertThatThrownBy(() -> post(url, 300, new JsonObject()).await(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(3000);
    assertThat(warnings()).singleElement().satisfies(line -> {
      assertThat(line).contains("failed");
      assertThat(line).doesNotContain("s3cr3t");
    });

    Promise<Void> released = Promise.promise();
    int trickling = server(request -> {
      request.response().setChunked(true).setStatusCode(200).write("{");
      long timer = vertx.setPeriodic(100, id -> request.response().write(" "));
      request.connection().closeHandler(v -> {
        vertx.cancelTimer(timer);
        released.tryComplete();
      });
    });
    long again = System.nanoTime();
    assertThat(failure(post("http://127.0.0.1:" + trickling + "/hook", 300, new JsonObject()))).isNotNull();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - again)).isLessThan(3000);
    released.future().await(2, TimeUnit.SECONDS); // the connection is let go, not held by the trickle
  }

  @Test
  @DisplayName("an unreachable receiver fails the call and is logged")
  void post_refused_fails() throws Exception {
    assertThatThrownBy(() -> post("http://127.0.0.1:1/hook", 1000, new JsonObject()).await(10, TimeUnit.SECONDS))
        .isNotNull();
    assertThat(warnings()).singleElement().asString().contains("failed");
  }

  @Test
  @DisplayName("a URL the client cannot use fails the call within the timeout instead of throwing or hanging")
  void post_unusableUrl_failedFuture() throws Exception {
    for (String url : List.of("not a url", "http://bad host/hook")) {
      long started = System.nanoTime();
      Future<Integer> call = post(url, 500, new JsonObject());
      assertThat(failure(call)).isNotNull();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(3000);
    }
    assertThat(warnings()).hasSize(2);
  }
}
