package io.consolidb.config;

import java.net.URI;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * One line saying why Redis could not be used, naming the setting to look at: what {@code check}
 * prints and the cache tier logs. The driver's own messages ("Signature does not match.",
 * "Connection reset") leave an operator guessing whether TLS, the ACL or the network failed.
 * Never quotes the password: the URL is shown masked and the driver's text goes through
 * {@link SecretMasker#maskText}.
 */
public final class RedisFailure {

  private RedisFailure() {
  }

  /** Why {@code failure} happened on a connection made with {@code settings}. */
  public static String describe(RedisSettings settings, Throwable failure) {
    Throwable root = root(failure);
    String detail = SecretMasker.maskText(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
    String text = chainText(failure);
    if (has(failure, CertificateException.class) && text.contains("subject alternative")
        || text.contains("no name matching")) {
      return "TLS: the server's certificate does not name the host " + host(settings)
          + " (the host of REDIS_URL must be in its subjectAltName): " + detail;
    }
    if (has(failure, CertPathBuilderException.class) || has(failure, CertPathValidatorException.class)
        || text.contains("certification path") || text.contains("signature does not match")) {
      String trust = settings.tlsCaPath().isEmpty() ? "the JVM's authorities; set REDIS_TLS_CA to the CA's PEM file"
          : "REDIS_TLS_CA " + settings.tlsCaPath();
      return "TLS: the server's certificate is not signed by a trusted CA (" + trust + "): " + detail;
    }
    if (has(failure, SSLException.class)) {
      return "TLS handshake failed" + (text.contains("unrecognized ssl message") || text.contains("not an ssl")
          ? " (the server does not speak TLS on this port: use redis://?)" : "") + ": " + detail;
    }
    if (text.contains("wrongpass")) {
      return "Redis refused the user or password (WRONGPASS): check user:password in REDIS_URL against the"
          + " server's ACL";
    }
    if (text.contains("noauth")) {
      return "Redis requires a password (NOAUTH): put user:password in REDIS_URL";
    }
    if (text.contains("noperm")) {
      return "the ACL user may not run a command consolidb needs (NOPERM): " + detail;
    }
    if (has(failure, TimeoutException.class) || text.contains("timed out") || text.contains("timeout")) {
      return "no answer within the timeout" + (settings.tls()
          ? " (a Redis without TLS never answers the handshake: is the port TLS?)" : "") + ": " + detail;
    }
    if (!settings.tls() && (text.contains("connection reset") || text.contains("closed"))) {
      return "the server closed the connection: a TLS-only Redis drops plaintext (use rediss://): " + detail;
    }
    return detail;
  }

  private static String host(RedisSettings settings) {
    try {
      return new URI(settings.url()).getHost();
    } catch (Exception e) {
      return "?";
    }
  }

  private static Throwable root(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  private static boolean has(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String chainText(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
    }
    return text.toString().toLowerCase(Locale.ROOT);
  }
}
