package dev.halo.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The bench's PNG charts, drawn with Java2D (headless): latency distributions as rows of dots with
 * the median and p99 marked, on a log-scale time axis; and line charts for the scale curve.
 */
final class Charts {
  /** One row of a distribution chart: a label and its samples in ms, drawn in a colour. */
  record Row(String label, List<Long> samplesMs, Color color) {}

  /** A line: (x, y) points in a colour. */
  record Line(String label, List<double[]> points, Color color) {}

  static final Color BLUE = new Color(0x1f77b4);
  static final Color ORANGE = new Color(0xff7f0e);
  static final Color GREEN = new Color(0x2ca02c);
  static final Color RED = new Color(0xd62728);
  static final Color GREY = new Color(0x7f7f7f);

  private static final int WIDTH = 1000;
  private static final int LEFT = 260;
  private static final int RIGHT = 40;
  private static final int TOP = 60;
  private static final int ROW = 28;

  private Charts() {}

  static void distributions(Path file, String title, List<Row> rows) throws IOException {
    long max =
        rows.stream()
            .flatMap(r -> r.samplesMs().stream())
            .mapToLong(Long::longValue)
            .max()
            .orElse(1);
    double lo = 1;
    double hi = Math.pow(10, Math.ceil(Math.log10(Math.max(10, max))));
    int height = TOP + rows.size() * ROW + 60;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = start(image, title);
    int plotW = WIDTH - LEFT - RIGHT;
    // decades
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (double d = lo; d <= hi; d *= 10) {
      int x = LEFT + (int) (plotW * Math.log10(d / lo) / Math.log10(hi / lo));
      g.setColor(new Color(0xdddddd));
      g.drawLine(x, TOP - 10, x, TOP + rows.size() * ROW);
      g.setColor(Color.DARK_GRAY);
      g.drawString(
          d >= 1000 ? (long) (d / 1000) + " s" : (long) d + " ms",
          x - 14,
          TOP + rows.size() * ROW + 18);
    }
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      int y = TOP + i * ROW + ROW / 2;
      g.setColor(Color.BLACK);
      g.drawString(row.label(), 10, y + 5);
      if (row.samplesMs().isEmpty()) {
        g.setColor(GREY);
        g.drawString("(no samples)", LEFT + 5, y + 5);
        continue;
      }
      g.setColor(row.color());
      for (long v : row.samplesMs()) {
        int x = xLog(Math.max(lo, v), lo, hi, plotW);
        g.fillOval(x - 3, y - 3, 7, 7);
      }
      Stats s = Stats.of(row.samplesMs());
      g.setStroke(new BasicStroke(2));
      g.setColor(Color.BLACK);
      int p50 = xLog(Math.max(lo, s.p50Ms()), lo, hi, plotW);
      g.drawLine(p50, y - 10, p50, y + 10);
      g.setColor(RED);
      int p99 = xLog(Math.max(lo, s.p99Ms()), lo, hi, plotW);
      g.drawLine(p99, y - 8, p99, y + 8);
      g.setStroke(new BasicStroke(1));
    }
    g.setColor(Color.DARK_GRAY);
    g.drawString("dots: samples; black bar: median; red bar: p99 (log scale)", LEFT, height - 15);
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  static void lines(Path file, String title, String xLabel, String yLabel, List<Line> lines)
      throws IOException {
    int height = 500;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = start(image, title);
    int left = 90;
    int bottom = height - 60;
    int plotW = WIDTH - left - RIGHT - 160;
    int plotH = bottom - TOP;
    double maxX = 1;
    double maxY = 1;
    for (Line l : lines) {
      for (double[] p : l.points()) {
        maxX = Math.max(maxX, p[0]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    maxY = niceCeil(maxY);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.DARK_GRAY);
    g.drawLine(left, bottom, left + plotW, bottom);
    g.drawLine(left, TOP, left, bottom);
    for (int i = 0; i <= 4; i++) {
      double v = maxY * i / 4;
      int y = bottom - (int) (plotH * i / 4.0);
      g.setColor(new Color(0xdddddd));
      g.drawLine(left + 1, y, left + plotW, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(format(v), 10, y + 4);
    }
    List<Double> xs = new ArrayList<>();
    lines.forEach(
        l ->
            l.points()
                .forEach(
                    p -> {
                      if (!xs.contains(p[0])) {
                        xs.add(p[0]);
                      }
                    }));
    for (double x : xs) {
      int px = left + (int) (plotW * x / maxX);
      g.drawString(format(x), px - 10, bottom + 18);
    }
    g.drawString(xLabel, left + plotW / 2 - 40, bottom + 40);
    g.drawString(yLabel, 10, TOP - 15);
    int legend = TOP;
    for (Line l : lines) {
      g.setColor(l.color());
      g.setStroke(new BasicStroke(2));
      int[] prev = null;
      for (double[] p : l.points()) {
        int px = left + (int) (plotW * p[0] / maxX);
        int py = bottom - (int) (plotH * p[1] / maxY);
        g.fillOval(px - 4, py - 4, 9, 9);
        if (prev != null) {
          g.drawLine(prev[0], prev[1], px, py);
        }
        prev = new int[] {px, py};
      }
      g.drawString(l.label(), left + plotW + 20, legend);
      legend += 20;
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static Graphics2D start(BufferedImage image, String title) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title, 10, 25);
    return g;
  }

  private static int xLog(double v, double lo, double hi, int plotW) {
    return LEFT + (int) (plotW * Math.log10(v / lo) / Math.log10(hi / lo));
  }

  private static double niceCeil(double v) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * magnitude >= v) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format("%.1f", v);
  }
}
