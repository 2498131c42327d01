package io.consolidb.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * HTTP caching of successful reads: a strong {@code ETag} (a 64-bit hash of the body's bytes, so
 * every node gives the same tag to the same answer), {@code Cache-Control}, and {@code 304 Not
 * Modified} without a body when the client's {@code If-None-Match} names the current tag.
 * Personal data (the user routes) is {@code private}: a shared cache must not keep it.
 */
final class ReadCaching {

  /** Routing-context key of the node's instance, put by {@link RequestDefaults}. */
  static final String KEY = "consolidb.readCaching";
  /** Routing-context key a route group sets when its answers hold personal data. */
  static final String PRIVATE = "consolidb.privateRead";

  private static final XXHash64 HASH = XXHashFactory.fastestJavaInstance().hash64();
  private static final long SEED = 0x636f6e736f6c6964L;

  private final String publicCacheControl;

  /** @param maxAgeSeconds how long a client may reuse a public read; 0: revalidate each time */
  ReadCaching(int maxAgeSeconds) {
    this.publicCacheControl = maxAgeSeconds == 0 ? "no-cache" : "public, max-age=" + maxAgeSeconds;
  }

  /** Whether {@code ctx} is a read whose 200 answer gets an ETag. */
  static boolean applies(RoutingContext ctx, int status) {
    HttpMethod method = ctx.request().method();
    return status == 200 && (method == HttpMethod.GET || method == HttpMethod.HEAD);
  }

  /**
   * Sets the caching headers of a 200 read and answers 304 when the client already has this body.
   *
   * @return true when the answer was sent (304), false when the caller sends the body
   */
  boolean notModified(RoutingContext ctx, Buffer body) {
    String tag = tag(body);
    HttpServerResponse response = ctx.response();
    response.putHeader(HttpHeaders.ETAG, tag)
        .putHeader(HttpHeaders.CACHE_CONTROL, Boolean.TRUE.equals(ctx.get(PRIVATE)) ? "private, no-cache"
            : publicCacheControl);
    if (matches(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH), tag)) {
      response.setStatusCode(304).end();
      return true;
    }
    return false;
  }

  static String tag(Buffer body) {
    byte[] bytes = body.getBytes();
    String hex = Long.toHexString(HASH.hash(bytes, 0, bytes.length, SEED));
    return "\"" + "0".repeat(16 - hex.length()) + hex + "\"";
  }

  /**
   * RFC 9110 13.1.2: {@code *} or a list of tags compared weakly ({@code W/"x"} matches
   * {@code "x"}).
   */
  static boolean matches(String ifNoneMatch, String tag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String candidate : ifNoneMatch.split(",")) {
      String trimmed = candidate.strip();
      if (trimmed.equals("*")) {
        return true;
      }
      if (trimmed.startsWith("W/")) {
        trimmed = trimmed.substring(2);
      }
      if (trimmed.equals(tag)) {
        return true;
      }
    }
    return false;
  }
}
