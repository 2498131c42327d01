package io.consolidb.query;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small PostgreSQL lexer, just enough to find named placeholders and to normalize statements
 * for logs. It knows where code stops and text starts: {@code 'strings'} (with {@code ''} and,
 * after {@code E}, backslash escapes), {@code "quoted identifiers"}, {@code $tag$ dollar-quoted
 * $tag$} bodies, {@code --} and nested {@code /* *}{@code /} comments, {@code ::casts} and
 * {@code $1} positional parameters. It never validates SQL: PostgreSQL does that.
 */
final class SqlText {

  /**
   * A statement with its {@code :name} placeholders rewritten to {@code $n}.
   *
   * @param sql the statement PostgreSQL receives
   * @param names {@code names[i]} is the name bound to {@code $(i+1)}
   * @param nameSet the same names, for checking a request's keys
   */
  record Named(String sql, String[] names, Set<String> nameSet) {
  }

  private enum Kind { CODE, IDENTIFIER, STRING, QUOTED_IDENTIFIER, COMMENT, NUMBER, NAMED, POSITIONAL, CAST, SPACE }

  @FunctionalInterface
  private interface Sink {
    void token(Kind kind, int start, int end);
  }

  private SqlText() {
  }

  /**
   * Rewrites {@code :name} placeholders to {@code $1, $2, …} in order of first appearance; a name
   * used twice reuses its number. {@code ::type} casts, text in quotes or comments and
   * {@code a[1:n]} slices (a colon right after a word or number) are left alone.
   */
  static Named rewriteNamed(String sql) {
    StringBuilder out = new StringBuilder(sql.length() + 8);
    Map<String, Integer> numbers = new HashMap<>();
    List<String> names = new ArrayList<>();
    scan(sql, (kind, start, end) -> {
      if (kind == Kind.NAMED) {
        String name = sql.substring(start + 1, end);
        Integer number = numbers.get(name);
        if (number == null) {
          names.add(name);
          number = names.size();
          numbers.put(name, number);
        }
        out.append('$').append(number);
      } else {
        out.append(sql, start, end);
      }
    });
    return new Named(names.isEmpty() ? sql : out.toString(), names.toArray(new String[0]),
        Collections.unmodifiableSet(numbers.keySet()));
  }

  /**
   * The statement as logs may show it: comments dropped, whitespace collapsed, string, number and
   * dollar-quoted literals replaced by {@code ?}. Placeholders stay; parameter values never
   * appear because they are never part of the text.
   */
  static String normalize(String sql) {
    StringBuilder out = new StringBuilder(Math.min(sql.length(), 4096));
    scan(sql, (kind, start, end) -> {
      switch (kind) {
        case SPACE, COMMENT -> {
          if (out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
            out.append(' ');
          }
        }
        case STRING, NUMBER -> out.append('?');
        default -> out.append(sql, start, end);
      }
    });
    int length = out.length();
    if (length > 0 && out.charAt(length - 1) == ' ') {
      out.setLength(length - 1);
    }
    return out.toString();
  }

  private static void scan(String sql, Sink sink) {
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      int end;
      Kind kind;
      if (Character.isWhitespace(c)) {
        end = i + 1;
        while (end < n && Character.isWhitespace(sql.charAt(end))) {
          end++;
        }
        kind = Kind.SPACE;
      } else if (c == '\'') {
        end = endOfQuoted(sql, i, '\'', false);
        kind = Kind.STRING;
      } else if (c == '"') {
        end = endOfQuoted(sql, i, '"', false);
        kind = Kind.QUOTED_IDENTIFIER;
      } else if ((c == 'E' || c == 'e') && i + 1 < n && sql.charAt(i + 1) == '\'') {
        end = endOfQuoted(sql, i + 1, '\'', true);
        kind = Kind.STRING;
      } else if (isIdentifierStart(c)) {
        end = i + 1;
        while (end < n && isIdentifierPart(sql.charAt(end))) {
          end++;
        }
        kind = Kind.IDENTIFIER;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        end = sql.indexOf('\n', i);
        end = end < 0 ? n : end + 1;
        kind = Kind.COMMENT;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        end = endOfBlockComment(sql, i);
        kind = Kind.COMMENT;
      } else if (c == '$') {
        if (i + 1 < n && Character.isDigit(sql.charAt(i + 1))) {
          end = i + 2;
          while (end < n && Character.isDigit(sql.charAt(end))) {
            end++;
          }
          kind = Kind.POSITIONAL;
        } else {
          int tagEnd = endOfDollarTag(sql, i);
          if (tagEnd > 0) {
            String tag = sql.substring(i, tagEnd);
            int close = sql.indexOf(tag, tagEnd);
            end = close < 0 ? n : close + tag.length();
            kind = Kind.STRING;
          } else {
            end = i + 1;
            kind = Kind.CODE;
          }
        }
      } else if (c == ':') {
        if (i + 1 < n && sql.charAt(i + 1) == ':') {
          end = i + 2;
          kind = Kind.CAST;
        } else if (i + 1 < n && isIdentifierStart(sql.charAt(i + 1)) && !followsWord(sql, i)) {
          end = i + 2;
          while (end < n && isNamePart(sql.charAt(end))) {
            end++;
          }
          kind = Kind.NAMED;
        } else {
          end = i + 1;
          kind = Kind.CODE;
        }
      } else if (Character.isDigit(c) || c == '.' && i + 1 < n && Character.isDigit(sql.charAt(i + 1))) {
        end = endOfNumber(sql, i);
        kind = Kind.NUMBER;
      } else {
        end = i + 1;
        kind = Kind.CODE;
      }
      sink.token(kind, i, end);
      i = end;
    }
  }

  /** Index after the closing quote (or the end of the text when unterminated). */
  private static int endOfQuoted(String sql, int open, char quote, boolean backslashEscapes) {
    int n = sql.length();
    int i = open + 1;
    while (i < n) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < n && sql.charAt(i + 1) == quote) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  private static int endOfBlockComment(String sql, int open) {
    int n = sql.length();
    int depth = 0;
    int i = open;
    while (i < n) {
      if (sql.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (sql.startsWith("*/", i)) {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  /** For {@code $tag$} or {@code $$} starting at {@code start}, the index after it; else -1. */
  private static int endOfDollarTag(String sql, int start) {
    int n = sql.length();
    if (start > 0 && isIdentifierPart(sql.charAt(start - 1))) {
      return -1;
    }
    int i = start + 1;
    if (i < n && sql.charAt(i) == '$') {
      return i + 1;
    }
    if (i >= n || !isIdentifierStart(sql.charAt(i))) {
      return -1;
    }
    while (i < n && isNamePart(sql.charAt(i))) {
      i++;
    }
    return i < n && sql.charAt(i) == '$' ? i + 1 : -1;
  }

  private static int endOfNumber(String sql, int start) {
    int n = sql.length();
    int i = start;
    while (i < n && (Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '.' || sql.charAt(i) == '_')) {
      i++;
    }
    if (i < n && (sql.charAt(i) == 'e' || sql.charAt(i) == 'E')) {
      int j = i + 1;
      if (j < n && (sql.charAt(j) == '+' || sql.charAt(j) == '-')) {
        j++;
      }
      if (j < n && Character.isDigit(sql.charAt(j))) {
        i = j;
        while (i < n && Character.isDigit(sql.charAt(i))) {
          i++;
        }
      }
    }
    return i;
  }

  /** A colon right after a word, number or closing bracket is a slice bound, not a placeholder. */
  private static boolean followsWord(String sql, int colon) {
    if (colon == 0) {
      return false;
    }
    char before = sql.charAt(colon - 1);
    return isIdentifierPart(before) || before == ')' || before == ']';
  }

  private static boolean isIdentifierStart(char c) {
    return Character.isLetter(c) || c == '_';
  }

  private static boolean isIdentifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  private static boolean isNamePart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
