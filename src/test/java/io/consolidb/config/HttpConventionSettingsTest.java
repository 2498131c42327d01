package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** CORS, compression and read-caching settings: defaults, variables, and what is refused. */
class HttpConventionSettingsTest {

  private static HttpSettings load(String... pairs) {
    return TestSettings.load(pairs).http();
  }

  private static void refused(String variable, String value, String key, String reason) {
    assertThatThrownBy(() -> load(variable, value)).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(key).hasMessageContaining(variable).hasMessageContaining(reason);
  }

  @Test
  void defaults_noOriginCompressionAbove1KiBRevalidateReads() {
    HttpSettings http = load();
    assertThat(http.cors().enabled()).isFalse();
    assertThat(http.cors().allowedOrigins()).isEmpty();
    assertThat(http.cors().allowedMethods()).containsExactly("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
    assertThat(http.cors().allowedHeaders()).contains("Authorization", "Content-Type", "If-None-Match",
        "X-Request-Id", "X-Consolidb-LSN", "traceparent");
    assertThat(http.cors().allowCredentials()).isFalse();
    assertThat(http.cors().maxAgeSeconds()).isEqualTo(600);
    assertThat(http.compressionThresholdBytes()).isEqualTo(1024);
    assertThat(http.cacheMaxAgeSeconds()).isZero();
  }

  @Test
  void variables_setEveryField() {
    HttpSettings http = load("HTTP_CORS_ALLOWED_ORIGINS", " https://app.example.com, http://localhost:3000 ,",
        "HTTP_CORS_ALLOWED_METHODS", "get, post", "HTTP_CORS_ALLOWED_HEADERS", "Authorization",
        "HTTP_CORS_ALLOW_CREDENTIALS", "true", "HTTP_CORS_MAX_AGE", "0",
        "HTTP_COMPRESSION_THRESHOLD", "0", "HTTP_CACHE_MAX_AGE", "30");
    assertThat(http.cors().allowedOrigins()).isEqualTo(List.of("https://app.example.com", "http://localhost:3000"));
    assertThat(http.cors().enabled()).isTrue();
    assertThat(http.cors().allowedMethods()).containsExactly("GET", "POST");
    assertThat(http.cors().allowedHeaders()).containsExactly("Authorization");
    assertThat(http.cors().allowCredentials()).isTrue();
    assertThat(http.cors().maxAgeSeconds()).isZero();
    assertThat(http.compressionThresholdBytes()).isZero();
    assertThat(http.cacheMaxAgeSeconds()).isEqualTo(30);
    assertThat(load("HTTP_CORS_ALLOWED_ORIGINS", "*").cors().allowedOrigins()).containsExactly("*");
  }

  @Test
  void refused_wildcardWithCredentialsBadOriginsMethodsHeadersAndNegatives() {
    assertThatThrownBy(() -> load("HTTP_CORS_ALLOWED_ORIGINS", "*", "HTTP_CORS_ALLOW_CREDENTIALS", "true"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("http.cors.allowCredentials").hasMessageContaining("name the origins");
    refused("HTTP_CORS_ALLOWED_ORIGINS", "app.example.com", "http.cors.allowedOrigins", "must list origins");
    refused("HTTP_CORS_ALLOWED_ORIGINS", "https://app.example.com/path", "http.cors.allowedOrigins",
        "must list origins");
    refused("HTTP_CORS_ALLOWED_METHODS", "GET, TRACE", "http.cors.allowedMethods", "must be among");
    refused("HTTP_CORS_ALLOWED_HEADERS", "X-Ok, Bad Header", "http.cors.allowedHeaders", "header names");
    refused("HTTP_CORS_MAX_AGE", "-1", "http.cors.maxAgeSeconds", "at least 0");
    refused("HTTP_COMPRESSION_THRESHOLD", "-1", "http.compressionThresholdBytes", "at least 0");
    refused("HTTP_CACHE_MAX_AGE", "-1", "http.cacheMaxAgeSeconds", "at least 0");
  }
}
