package io.consolidb.health;

import io.consolidb.config.SecretMasker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each level change to the configured URL. Fire and forget: the whole call is bounded by the
 * timeout (its request reset when it fires), a failure is logged (URL masked) and never reaches the
 * health state.
 */
final class AlertWebhook {

  private static final Logger LOG = LoggerFactory.getLogger(AlertWebhook.class);

  private final HttpClient client;
  private final String url;
  private final long timeoutMs;

  AlertWebhook(Vertx vertx, String url, long timeoutMs) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs));
    this.url = url;
    this.timeoutMs = timeoutMs;
  }

  /** Completes with the response status; failures are logged here, so callers may ignore it. */
  Future<Integer> post(JsonObject alert) {
    try {
      // inside the try: setAbsoluteURI throws on a URL it cannot parse
      RequestOptions options = new RequestOptions()
          .setMethod(HttpMethod.POST)
          .setAbsoluteURI(url)
          .setConnectTimeout(timeoutMs)
          .setIdleTimeout(timeoutMs)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
      HttpClientRequest[] sent = new HttpClientRequest[1]; // confined to this event loop
      return client.request(options)
          .compose(request -> {
            sent[0] = request;
            return request.send(alert.toBuffer());
          })
          .compose(response -> response.body().map(body -> response.statusCode()))
          // the idle timeout alone lets a receiver that trickles bytes hold the call for ever
          .timeout(timeoutMs, TimeUnit.MILLISECONDS)
          .andThen(done -> {
            if (done.failed() && sent[0] != null) {
              sent[0].reset(); // a trickling receiver would otherwise keep the connection for ever
            }
            if (done.failed()) {
              LOG.warn("health: alert webhook {} failed: {}", SecretMasker.origin(url),
                  SecretMasker.maskText(String.valueOf(done.cause().getMessage())));
            } else if (done.result() >= 300) {
              LOG.warn("health: alert webhook {} answered {}", SecretMasker.origin(url), done.result());
            }
          });
    } catch (RuntimeException e) {
      LOG.warn("health: alert webhook {} cannot be called: {}", SecretMasker.origin(url), e.getMessage());
      return Future.failedFuture(e);
    }
  }

  Future<Void> close() {
    return client.close();
  }
}
