package dev.halo.kubectl;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table as kubectl prints them (columns two spaces apart, no trailing blanks) that
 * fits a width: the widest columns are cut, with {@code …} where text was cut.
 */
final class Table {
  /** The width every table of the plugin fits: a terminal of 100 columns. */
  static final int WIDTH = 100;

  private static final int GAP = 2;
  private static final int NARROWEST = 4;

  private Table() {}

  static String render(List<String> headers, List<List<String>> rows, int width) {
    int n = headers.size();
    int[] w = new int[n];
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < n; i++) {
        w[i] = Math.max(w[i], cell(row, i).length());
      }
    }
    while (total(w) > width) {
      int widest = 0;
      for (int i = 1; i < n; i++) {
        if (w[i] > w[widest]) {
          widest = i;
        }
      }
      if (w[widest] <= NARROWEST) {
        break;
      }
      w[widest]--;
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < n; i++) {
        String c = fit(cell(row, i), w[i]);
        line.append(c);
        if (i + 1 < n) {
          line.append(" ".repeat(w[i] - c.length() + GAP));
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  /** {@code words} joined by two spaces, wrapped into lines of at most {@code width}. */
  static String wrap(List<String> words, int width) {
    StringBuilder sb = new StringBuilder();
    int column = 0;
    for (String w : words) {
      String word = fit(w, width);
      if (column > 0 && column + GAP + word.length() > width) {
        sb.append('\n');
        column = 0;
      }
      if (column > 0) {
        sb.append("  ");
        column += GAP;
      }
      sb.append(word);
      column += word.length();
    }
    return sb.append('\n').toString();
  }

  static String fit(String text, int width) {
    return text.length() <= width ? text : text.substring(0, width - 1) + "…";
  }

  private static String cell(List<String> row, int i) {
    String c = i < row.size() ? row.get(i) : null;
    return c == null || c.isEmpty() ? "-" : c;
  }

  private static int total(int[] w) {
    int sum = GAP * (w.length - 1);
    for (int x : w) {
      sum += x;
    }
    return sum;
  }
}
