package io.consolidb.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The write guard every route group shares: writes need {@code Authorization: Bearer
 * <http.apiToken>}; 403 when this node has no token (writes are off), 401 when the header is
 * missing or the token wrong. Tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, in time independent of where they differ and of their length.
 */
final class ApiToken {

  private static final String BEARER = "Bearer ";
  private static final String CHALLENGE = "Bearer realm=\"consolidb\"";

  /** SHA-256 of the API token, or null when none is configured. */
  private final byte[] digest;

  ApiToken(String token) {
    this.digest = token == null || token.isEmpty() ? null : sha256(token);
  }

  boolean configured() {
    return digest != null;
  }

  /** A route handler: passes on to the next handler only with the right token. */
  void require(RoutingContext ctx) {
    if (digest == null) {
      Problems.send(ctx, 403, "writes are disabled: no API token is configured on this node");
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      ctx.response().putHeader("WWW-Authenticate", CHALLENGE);
      Problems.send(ctx, 401, "an Authorization: Bearer <token> header is required");
      return;
    }
    String token = header.substring(BEARER.length()).strip();
    if (!MessageDigest.isEqual(sha256(token), digest)) {
      ctx.response().putHeader("WWW-Authenticate", CHALLENGE + ", error=\"invalid_token\"");
      Problems.send(ctx, 401, "the bearer token is not valid");
      return;
    }
    ctx.next();
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
