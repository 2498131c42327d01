package io.consolidb.config;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * TLS to PostgreSQL with libpq's meaning of {@code sslmode}, given alike to the Vert.x pool
 * ({@link #applyTo}) and to pgjdbc/Flyway ({@link #jdbcParameters}), so both verify the same
 * things or neither connects:
 * <ul>
 *   <li>{@code disable}: plaintext;</li>
 *   <li>{@code allow}, {@code prefer}, {@code require}: encrypted (when the server agrees, for the
 *       first two) but unverified: anyone on the path can present a certificate;</li>
 *   <li>{@code verify-ca}: the server's certificate must chain to {@code rootCert};</li>
 *   <li>{@code verify-full}: and must name the host of the URL (a DNS or IP subjectAltName).</li>
 * </ul>
 * Unlike libpq, a CA file does not silently upgrade {@code require} to {@code verify-ca} (pgjdbc
 * does not either): a CA given with a mode that would ignore it is a configuration error.
 *
 * <p>{@link #explain(Throwable)} turns the drivers' TLS failures into one line that names the
 * cause ("certificate not trusted", "host name does not match", …).
 */
public final class DatabaseTls {

  static final String ROOT_CERT_KEY = "sslRootCert";

  private final SslMode mode;
  private final String rootCert;
  /** Shared by every pool and connection of these settings; null when nothing is verified. */
  private final CaTrust trust;

  DatabaseTls(SslMode mode, String rootCert) {
    this.mode = mode;
    this.rootCert = rootCert;
    this.trust = rootCert == null ? null : new CaTrust(rootCert);
  }

  /** From the URL's {@code sslmode} (default {@code disable}). */
  public SslMode mode() {
    return mode;
  }

  /**
   * PEM file of the CA certificate(s) to trust ({@code database.sslRootCert} /
   * {@code DB_SSL_ROOT_CERT}, or the URL's {@code sslrootcert}); null when none.
   */
  public String rootCert() {
    return rootCert;
  }

  /**
   * Reads the mode from {@code url} and the CA from the setting or the URL's {@code sslrootcert}.
   *
   * @throws InvalidConfigException when a verifying mode has no readable CA, when the CA would be
   *     ignored, or when the setting and the URL name different CA files
   */
  static DatabaseTls of(ConfigSection db, PgConnectOptions parsed, String url) {
    String fromSetting = blankToNull(db.string(ROOT_CERT_KEY, ""));
    String fromUrl = blankToNull(queryParameter(url, "sslrootcert"));
    if (fromSetting != null && fromUrl != null && !fromSetting.equals(fromUrl)) {
      throw db.invalid(ROOT_CERT_KEY, fromSetting, "differs from the URL's sslrootcert ('" + fromUrl
          + "'): name the CA in one place");
    }
    String rootCert = fromSetting != null ? fromSetting : fromUrl;
    SslMode mode = parsed.getSslMode();
    boolean verifies = mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL;
    if (verifies && rootCert == null) {
      throw db.invalid(ROOT_CERT_KEY, "", "must name the CA's PEM file: sslmode=" + mode.value
          + " verifies the server's certificate against it (or add sslrootcert= to the URL)");
    }
    if (!verifies && rootCert != null) {
      throw db.invalid(ROOT_CERT_KEY, rootCert, "is ignored with sslmode=" + mode.value
          + ", which verifies no certificate: use sslmode=verify-full");
    }
    if (rootCert != null && !(Files.isRegularFile(Path.of(rootCert)) && Files.isReadable(Path.of(rootCert)))) {
      throw db.invalid(ROOT_CERT_KEY, rootCert, "must name a readable PEM file");
    }
    return new DatabaseTls(mode, rootCert);
  }

  /** Whether the server's certificate is checked at all (chain, and host for verify-full). */
  public boolean verified() {
    return mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL;
  }

  /**
   * Sets the pool's TLS options. Vert.x leaves them null (a {@code require} URL then fails inside
   * the driver) and, given options, trusts only the JDK's CAs; libpq's {@code require} trusts any
   * certificate, so that is spelled out here.
   */
  PgConnectOptions applyTo(PgConnectOptions options, long handshakeTimeoutMs) {
    if (mode == SslMode.DISABLE) {
      return options;
    }
    ClientSSLOptions ssl = new ClientSSLOptions()
        .setSslHandshakeTimeout(handshakeTimeoutMs)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
        // "HTTPS" is RFC 2818 matching: DNS names and IP addresses against the subjectAltName
        .setHostnameVerificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : "");
    if (verified()) {
      ssl.setTrustOptions(trust);
    } else {
      ssl.setTrustAll(true);
    }
    return options.setSslOptions(ssl);
  }

  /**
   * pgjdbc parameters with the same meaning: the mode always (pgjdbc's default is
   * {@code prefer}, the pool's {@code disable}) and the CA when one is verified against.
   */
  Map<String, String> jdbcParameters() {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("sslmode", mode.value);
    if (rootCert != null) {
      parameters.put("sslrootcert", rootCert);
    }
    return parameters;
  }

  /**
   * One line naming why a connection failed at the TLS or access step, from the pool or from
   * pgjdbc; empty when the failure is not about TLS. Carries no URL and no password.
   */
  public Optional<String> explain(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (message.contains("SSL handshake failed")) { // the pool: the cause was dropped, CaTrust kept it
        String rejection = trust == null ? null : trust.lastRejection();
        return Optional.of("TLS handshake failed (sslmode=" + mode.value + "): "
            + (rejection == null ? "the server closed the connection" : rejection));
      }
      if (message.contains("could not be verified by hostnameverifier")) { // pgjdbc, verify-full
        return Optional.of("TLS handshake failed (sslmode=" + mode.value + "): host name does not match the"
            + " server's certificate");
      }
      if (t instanceof CertPathValidatorException || t instanceof CertPathBuilderException) {
        return Optional.of("TLS handshake failed (sslmode=" + mode.value + "): certificate not trusted: the"
            + " server's certificate does not chain to the CA in " + rootCert);
      }
      if (message.contains("does not handle SSL") || message.contains("does not support SSL")) {
        return Optional.of("the server does not offer TLS, which sslmode=" + mode.value + " requires");
      }
      if (message.contains("no pg_hba.conf entry") && message.contains("no encryption")) {
        return Optional.of("the server accepts this role over TLS only (hostssl) and sslmode=" + mode.value
            + " connected without it: use sslmode=verify-full");
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "DatabaseTls[mode=" + mode.value + ", rootCert=" + rootCert + "]";
  }

  /** Whether the URL's {@code sslmode}, if any, is one the drivers know. */
  static boolean knownMode(String url) {
    String mode = queryParameter(url, "sslmode");
    return mode == null || java.util.Arrays.stream(SslMode.VALUES).anyMatch(m -> m.value.equalsIgnoreCase(mode.trim()));
  }

  private static String queryParameter(String url, String name) {
    int q = url.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : url.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equalsIgnoreCase(name)) {
        return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
