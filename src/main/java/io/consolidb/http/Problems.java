package io.consolidb.http;

import io.consolidb.FailureCodes;
import io.consolidb.config.SecretMasker;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: {@link FailureCodes} map to statuses, every
 * error body is {@code application/problem+json} (RFC 9457), and anything unexpected becomes a
 * 500 with a generic detail, logged here once.
 */
final class Problems {

  static final String CONTENT_TYPE = "application/problem+json";
  /** Seconds a client should wait before retrying a 429. */
  static final String RETRY_AFTER_SECONDS = "1";

  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  private static final int MAX_DETAIL_LENGTH = 300;

  private Problems() {
  }

  /**
   * The problem for a failed service call.
   *
   * @param parameterNames the service's parameter names mapped to this route's request
   *     parameters ({@code latitude} → {@code lat}); names not in the map pass through
   */
  static Problem fromFailure(Throwable failure, Map<String, String> parameterNames) {
    if (failure instanceof Problem problem) {
      return problem;
    }
    if (failure instanceof ReplyException reply) {
      switch (reply.failureType()) {
        case TIMEOUT:
          return new Problem(504, "the service did not answer in time", null);
        case NO_HANDLERS:
          return new Problem(503, "the service is not available on this cluster", null);
        default:
          break;
      }
      int code = reply.failureCode();
      if (FailureCodes.isDomainCode(code)) {
        List<String> parameters = code == FailureCodes.INVALID_INPUT
            ? parameters(reply, parameterNames) : List.of();
        return new Problem(code, clip(renamed(reply, parameterNames)), parameters, errors(reply))
            .retryAfter(FailureCodes.retryAfterSeconds(reply));
      }
    }
    if (failure instanceof ReplyException reply) {
      // Its stack trace is the event bus's, not the failure's: the code and message say more.
      LOG.error("http: unexpected failure from a service ({}, code {}): {}", reply.failureType(),
          reply.failureCode(), SecretMasker.maskText(reply.getMessage()));
    } else {
      // The message may come from a driver and carry a secret: mask it; the trace is for DEBUG.
      LOG.error("http: unexpected failure: {}: {}", failure.getClass().getName(),
          SecretMasker.maskText(failure.getMessage()));
      LOG.debug("http: unexpected failure", failure);
    }
    return new Problem(500, "an unexpected error occurred", null);
  }

  /** Sends the problem unless the response is already gone. */
  static void send(RoutingContext ctx, Problem problem) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(problem.status()).putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE);
    if (problem.retryAfterSeconds() > 0) {
      // the database circuit breaker is open: the seconds until its next trial
      response.putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(problem.retryAfterSeconds()));
    } else if (problem.status() == FailureCodes.BUSY || problem.status() == FailureCodes.UNAVAILABLE) {
      // every 429 and 503 says when to come back, the breaker's first refusals included
      response.putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }
    response.putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(problem.toJson(RequestDefaults.requestId(ctx)).toBuffer());
  }

  static void send(RoutingContext ctx, Throwable failure, Map<String, String> parameterNames) {
    send(ctx, fromFailure(failure, parameterNames));
  }

  static void send(RoutingContext ctx, int status, String detail) {
    send(ctx, new Problem(status, detail, null));
  }

  private static List<String> parameters(ReplyException reply, Map<String, String> names) {
    if (!(reply instanceof ServiceException service) || service.getDebugInfo() == null) {
      return List.of();
    }
    JsonObject info = service.getDebugInfo();
    List<String> parameters = new ArrayList<>();
    if (info.getValue("parameter") instanceof String parameter) {
      parameters.add(names.getOrDefault(parameter, parameter));
    } else if (info.getValue("parameters") instanceof JsonArray list) {
      for (Object parameter : list) {
        parameters.add(names.getOrDefault(String.valueOf(parameter), String.valueOf(parameter)));
      }
    }
    return parameters;
  }

  /** A refused batch's per-item errors ({@code debugInfo.errors}): written by the service, safe to show. */
  private static JsonArray errors(ReplyException reply) {
    return reply.failureCode() == FailureCodes.INVALID_INPUT && reply instanceof ServiceException service
        && service.getDebugInfo() != null && service.getDebugInfo().getValue("errors") instanceof JsonArray errors
        ? errors : null;
  }

  /** "latitude must be …" reads "lat must be …" on a route whose parameter is called lat. */
  private static String renamed(ReplyException reply, Map<String, String> names) {
    String message = reply.getMessage();
    if (message != null && reply instanceof ServiceException service && service.getDebugInfo() != null
        && service.getDebugInfo().getValue("parameter") instanceof String parameter
        && names.containsKey(parameter) && message.startsWith(parameter + " ")) {
      return names.get(parameter) + message.substring(parameter.length());
    }
    return message;
  }

  private static String clip(String detail) {
    if (detail == null || detail.isBlank()) {
      return "the request failed";
    }
    return detail.length() <= MAX_DETAIL_LENGTH ? detail : detail.substring(0, MAX_DETAIL_LENGTH) + "…";
  }
}
