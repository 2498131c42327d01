package io.consolidb.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
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

  /** Bytes of encoded cache hits the node keeps beside the values themselves. */
  static final long MAX_ENCODED_BYTES = 16L << 20;

  /** A body as sent: its bytes, and its tag when already known (else null: computed when needed). */
  record Encoded(Buffer bytes, String tag) {
  }

  private final String publicCacheControl;
  /**
   * The encoded bytes and tag of cache hits, by the identity of the cached value's map: a hit hands
   * out the same map each time and nobody mutates it (docs/CACHE.md), so encoding and hashing it
   * once serves every later hit, a 304 included. Weak keys: an entry goes when the value leaves the
   * local tier and is collected.
   */
  private final Cache<Map<String, Object>, Encoded> hits = Caffeine.newBuilder().weakKeys()
      .maximumWeight(MAX_ENCODED_BYTES).weigher((Map<String, Object> key, Encoded value) -> value.bytes().length())
      // maintenance (the read buffer's drain, collected keys) on the reading event loop: handed to
      // the common pool it woke a pool thread every few hits (docs/BENCHMARKS.md, item 11)
      .executor(Runnable::run)
      .build();

  /** @param maxAgeSeconds how long a client may reuse a public read; 0: revalidate each time */
  ReadCaching(int maxAgeSeconds) {
    this.publicCacheControl = maxAgeSeconds == 0 ? "no-cache" : "public, max-age=" + maxAgeSeconds;
  }

  /** {@code body} encoded; a cache hit's ({@code sharedHit}) from the memo. */
  Encoded encode(JsonObject body, boolean sharedHit) {
    if (!sharedHit) {
      return new Encoded(body.toBuffer(), null);
    }
    return hits.get(body.getMap(), map -> {
      Buffer bytes = body.toBuffer();
      return new Encoded(bytes, tag(bytes));
    });
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
  boolean notModified(RoutingContext ctx, Encoded body) {
    String tag = body.tag() != null ? body.tag() : tag(body.bytes());
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
