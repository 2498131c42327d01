package io.consolidb.cache;

import java.util.regex.Pattern;

/**
 * Redis glob patterns ({@code *}, {@code ?}, {@code [abc]}, {@code [^a]}, {@code \} escapes) as
 * Java regular expressions, so the local tier drops exactly the keys SCAN MATCH finds in Redis.
 */
final class Glob {

  private Glob() {
  }

  static Pattern toRegex(String glob) {
    StringBuilder regex = new StringBuilder(glob.length() + 8);
    boolean inClass = false;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '\\' && i + 1 < glob.length()) {
        regex.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
      } else if (inClass) {
        if (c == ']') {
          inClass = false;
          regex.append(']');
        } else if (c == '^' && glob.charAt(i - 1) == '[') {
          regex.append('^');
        } else if (c == '-' && glob.charAt(i - 1) != '[' && i + 1 < glob.length() && glob.charAt(i + 1) != ']') {
          regex.append('-');
        } else {
          regex.append(Pattern.quote(String.valueOf(c)));
        }
      } else if (c == '*') {
        regex.append(".*");
      } else if (c == '?') {
        regex.append('.');
      } else if (c == '[' && glob.indexOf(']', i + 2) > 0) {
        inClass = true;
        regex.append('[');
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }
}
