package io.consolidb.testsupport;

import java.net.URI;

/**
 * The parts of {@link TestServices#tlsRedisUrl()}, to build URLs that differ from it in one way
 * (another password, host or port) for the failure cases of the Redis TLS tests.
 */
public final class TlsRedis {

  private TlsRedis() {
  }

  private static URI uri() {
    return URI.create(TestServices.tlsRedisUrl());
  }

  public static String user() {
    return uri().getUserInfo().split(":", 2)[0];
  }

  public static String password() {
    return uri().getUserInfo().split(":", 2)[1];
  }

  public static int port() {
    return uri().getPort();
  }

  /** {@code rediss://<user>:<password>@<host>:<port>}. */
  public static String url(String password, String host, int port) {
    return "rediss://" + user() + ":" + password + "@" + host + ":" + port;
  }
}
