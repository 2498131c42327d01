package io.consolidb.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Keeps values out of spans: Vert.x records the whole URL of a request (search terms,
 * coordinates) and the SQL text as written. At the start of each span, before anything exports
 * it, the query string is cut down to its parameter names ({@code city=?&page=?}) and any quoted
 * literal in SQL becomes {@code ?} (values are bound as {@code $n} and never in the text; this
 * guards the text itself).
 */
final class SpanRedactor implements SpanProcessor {

  static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
  static final AttributeKey<String> HTTP_URL = AttributeKey.stringKey("http.url");
  static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
  static final AttributeKey<String> DB_QUERY_TEXT = AttributeKey.stringKey("db.query.text");
  static final AttributeKey<String> DB_STATEMENT = AttributeKey.stringKey("db.statement");

  private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^']|'')*'");

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    String query = span.getAttribute(URL_QUERY);
    if (query != null) {
      span.setAttribute(URL_QUERY, names(query));
    }
    for (AttributeKey<String> url : new AttributeKey[] {HTTP_URL, URL_FULL}) {
      String value = span.getAttribute(url);
      if (value != null && value.indexOf('?') >= 0) {
        int mark = value.indexOf('?');
        span.setAttribute(url, value.substring(0, mark + 1) + names(value.substring(mark + 1)));
      }
    }
    for (AttributeKey<String> sql : new AttributeKey[] {DB_QUERY_TEXT, DB_STATEMENT}) {
      String text = span.getAttribute(sql);
      if (text != null && text.indexOf('\'') >= 0) {
        span.setAttribute(sql, STRING_LITERAL.matcher(text).replaceAll("?"));
      }
    }
  }

  /** {@code a=1&b=x&c} → {@code a=?&b=?&c}. */
  static String names(String query) {
    StringJoiner names = new StringJoiner("&");
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      names.add(equals < 0 ? pair : pair.substring(0, equals) + "=?");
    }
    return names.toString();
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
  }

  @Override
  public boolean isEndRequired() {
    return false;
  }
}
