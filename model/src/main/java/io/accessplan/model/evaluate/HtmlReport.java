package io.accessplan.model.evaluate;

import io.accessplan.features.AtomicFiles;
import io.accessplan.model.Choice;
import io.accessplan.features.ActivationPolicy;
import io.accessplan.features.Strategy;
import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Traffic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The evaluation as one self-contained HTML page: inline SVG drawn here, no script, no external
 * resource (the report must open on machines without network). Sections: the metrics side by
 * side with the baselines; predicted vs measured step time and peak memory (log-log, one colour
 * per activation policy); the distribution of regret; for the devices with most workloads, a map
 * of which strategy truly wins over model size x batch, with the model's misses marked; and the
 * redundant share of each strategy's data movement ({@link Traffic}: the bytes the strategy adds to
 * a kept, single-micro-batch, device-optimizer step, as a share of all bytes it moves, split into
 * device-memory and host&lt;-&gt;device bytes).
 */
public final class HtmlReport {
    private static final String[] POLICY_COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728"};
    private static final int MAX_POINTS = 4000;

    private HtmlReport() {
    }

    /** Writes the report of an evaluation to a file, atomically. */
    public static void write(Path file, EvaluationReport report, String title) throws IOException {
        AtomicFiles.write(file, render(report, title).getBytes(StandardCharsets.UTF_8));
    }

    /** The report as an HTML document. */
    public static String render(EvaluationReport r, String title) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:1300px}"
                        + "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 10px;"
                        + "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
                        + "figure{display:inline-block;margin:8px;vertical-align:top}figcaption{font-size:13px;"
                        + "color:#555;max-width:600px}svg text{font-family:sans-serif}.note{color:#666;"
                        + "font-size:13px}</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p class=\"note\">Memory safety margin on predicted peak: ")
                .append(pct(r.safetyMargin())).append(" on average (by how far the learned peak corrects the analytic one)")
                .append("; choices by the predictor's rule (physics guard, plainest within ")
                .append(pct(Choice.DEFAULT_TIE_TOLERANCE)).append("). Regret = step time of the chosen strategy / step time "
                        + "of the fastest strategy that truly fits - 1. Workloads where nothing fits are not counted."
                        + "</p>\n");
        metricsTable(h, r);
        h.append(legend());
        h.append("<h2>Predicted vs measured</h2>\n");
        List<EvaluationReport.RowPrediction> timeRows = sample(r.rows().stream()
                .filter(p -> p.row().fits() && p.predictedStepTimeMs() > 0).toList());
        h.append(figure(scatter(timeRows, p -> p.row().measurement().stepTimeMs(), p -> p.predictedStepTimeMs(),
                "measured step time (ms)", "predicted step time (ms)"),
                "Step time of every strategy that fits, log scales; the diagonal is a perfect prediction."));
        List<EvaluationReport.RowPrediction> peakRows = sample(r.rows().stream()
                .filter(p -> p.row().measurement().peakMemoryBytes() > 0 && p.predictedPeakBytes() > 0).toList());
        h.append(figure(scatter(peakRows, p -> p.row().measurement().peakMemoryBytes() / 1073741824.0,
                p -> p.predictedPeakBytes() / 1073741824.0, "measured peak memory (GiB)",
                "predicted peak memory (GiB)"), "Peak device memory of every row (out-of-memory rows at their "
                + "attempted peak), log scales."));
        h.append("<h2>Regret</h2>\n");
        h.append(figure(regretHistogram(r.workloads()), "How much slower the model's choice is than the best "
                + "strategy that fits, per workload; the last bar counts choices that run out of memory."));
        h.append("<h2>Which strategy wins</h2>\n");
        h.append("<p class=\"note\">Each point is one workload: model parameters across, batch up; colour = "
                + "activation policy of the truly fastest strategy that fits (square: with optimizer offload). "
                + "A black ring marks a workload where the model chose another strategy, a red cross one where "
                + "its choice ran out of memory.</p>\n");
        Map<String, List<EvaluationReport.WorkloadResult>> byDevice = new LinkedHashMap<>();
        for (EvaluationReport.WorkloadResult w : r.workloads()) {
            byDevice.computeIfAbsent(w.workload().device().name(), k -> new ArrayList<>()).add(w);
        }
        byDevice.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, List<EvaluationReport.WorkloadResult>> e)
                        -> e.getValue().size()).reversed())
                .limit(4)
                .forEach(e -> h.append(figure(winMap(e.getValue()), e.getKey() + ": " + e.getValue().size()
                        + " workloads")));
        h.append("<h2>Redundant data movement</h2>\n");
        h.append(figure(redundantShareBars(redundantShares(r.rows())), "Redundant share of the bytes each strategy"
                + " moves in a step (device memory and host<->device together), the mean over the evaluated rows of"
                + " the strategy (partial policies on any layer count together, as :N): recompute re-reads and"
                + " re-writes and micro-batch weight re-reads in device memory (blue), offload round trips and host"
                + " optimizer transfers over PCIe (orange). From the planner's schedules, not measured."));
        h.append("\n</body></html>\n");
        return h.toString();
    }

    private static void metricsTable(StringBuilder h, EvaluationReport r) {
        Map<String, Map<String, Object>> cols = new LinkedHashMap<>();
        cols.put("model", r.model().toMap());
        r.baselines().forEach((k, v) -> cols.put(k, v.toMap()));
        h.append("<table><tr><th>metric</th>");
        cols.keySet().forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
        h.append("</tr>\n");
        for (String f : r.model().toMap().keySet()) {
            h.append("<tr><td>").append(f).append("</td>");
            for (Map<String, Object> c : cols.values()) {
                Object v = c.get(f);
                h.append("<td>").append(v instanceof Integer ? v.toString()
                        : pct(v == null ? Double.NaN : ((Number) v).doubleValue())).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static String legend() {
        StringBuilder b = new StringBuilder("<p>");
        for (ActivationPolicy p : ActivationPolicy.values()) {
            b.append("<span style=\"display:inline-block;width:12px;height:12px;background:")
                    .append(POLICY_COLOURS[p.ordinal()]).append(";margin:0 4px 0 12px\"></span>").append(p.id());
        }
        return b.append("</p>\n").toString();
    }

    private static List<EvaluationReport.RowPrediction> sample(List<EvaluationReport.RowPrediction> rows) {
        if (rows.size() <= MAX_POINTS) {
            return rows;
        }
        List<EvaluationReport.RowPrediction> out = new ArrayList<>(MAX_POINTS);
        double step = (double) rows.size() / MAX_POINTS;
        for (int i = 0; i < MAX_POINTS; i++) {
            out.add(rows.get((int) (i * step)));   // even stride: deterministic and representative
        }
        return out;
    }

    private static String figure(String svg, String caption) {
        return "<figure>" + svg + "<figcaption>" + esc(caption) + "</figcaption></figure>\n";
    }

    /** A log-log scatter of measured (x) against predicted (y), coloured by policy. */
    private static String scatter(List<EvaluationReport.RowPrediction> rows,
                                  ToDoubleFunction<EvaluationReport.RowPrediction> fx,
                                  ToDoubleFunction<EvaluationReport.RowPrediction> fy, String xl, String yl) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (EvaluationReport.RowPrediction p : rows) {
            double x = fx.applyAsDouble(p);
            double y = fy.applyAsDouble(p);
            lo = Math.min(lo, Math.min(x, y));
            hi = Math.max(hi, Math.max(x, y));
        }
        if (rows.isEmpty()) {
            lo = 1;
            hi = 10;
        }
        Axis a = new Axis(Math.log10(lo), Math.log10(hi));
        Plot plot = new Plot(560, 460, a, a, xl, yl, true, true);
        StringBuilder b = plot.open();
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        + "stroke=\"#999\" stroke-dasharray=\"4 3\"/>", plot.px(a.min), plot.py(a.min), plot.px(a.max),
                plot.py(a.max)));
        for (EvaluationReport.RowPrediction p : rows) {
            b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\" "
                            + "fill-opacity=\"0.55\"/>", plot.px(Math.log10(fx.applyAsDouble(p))),
                    plot.py(Math.log10(fy.applyAsDouble(p))), POLICY_COLOURS[p.row().strategy().policy().ordinal()]));
        }
        return plot.close(b);
    }

    private static String regretHistogram(List<EvaluationReport.WorkloadResult> ws) {
        String[] labels = {"0", "<1%", "1-2%", "2-5%", "5-10%", "10-20%", ">20%", "oom"};
        double[] edges = {1e-12, 0.01, 0.02, 0.05, 0.10, 0.20};
        int[] counts = new int[labels.length];
        for (EvaluationReport.WorkloadResult w : ws) {
            if (w.oom()) {
                counts[7]++;
                continue;
            }
            int bin = 0;
            while (bin < edges.length && w.regret() > edges[bin]) {
                bin++;
            }
            counts[bin]++;
        }
        int max = 1;
        for (int c : counts) {
            max = Math.max(max, c);
        }
        int width = 560;
        int height = 320;
        int left = 50;
        int bottom = 40;
        double bw = (width - left - 20.0) / labels.length;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", width, height, width, height));
        for (int i = 0; i < labels.length; i++) {
            double bh = (height - bottom - 20.0) * counts[i] / max;
            double x = left + i * bw;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            + "fill=\"%s\"/>", x + 4, height - bottom - bh, bw - 8, bh,
                    i == 7 ? "#d62728" : "#1f77b4"));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                    + "text-anchor=\"middle\">%d</text>", x + bw / 2, height - bottom - bh - 4, counts[i]));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" "
                    + "text-anchor=\"middle\">%s</text>", x + bw / 2, height - bottom + 16, esc(labels[i])));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", left,
                height - bottom, width - 20, height - bottom));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">"
                + "regret of the model's choice (workloads per bin)</text>", width / 2, height - 6));
        return b.append("</svg>").toString();
    }

    private static String winMap(List<EvaluationReport.WorkloadResult> ws) {
        double xlo = Double.POSITIVE_INFINITY;
        double xhi = Double.NEGATIVE_INFINITY;
        double ylo = Double.POSITIVE_INFINITY;
        double yhi = Double.NEGATIVE_INFINITY;
        for (EvaluationReport.WorkloadResult w : ws) {
            double x = Math.log10(w.workload().parameters());
            double y = Math.log(w.workload().training().batch()) / Math.log(2);
            xlo = Math.min(xlo, x);
            xhi = Math.max(xhi, x);
            ylo = Math.min(ylo, y);
            yhi = Math.max(yhi, y);
        }
        Axis ax = new Axis(xlo, xhi);
        Axis ay = new Axis(ylo - 0.5, yhi + 0.5);
        Plot plot = new Plot(560, 400, ax, ay, "model parameters", "batch (samples per step)", true, true);
        plot.yBase = 2;
        StringBuilder b = plot.open();
        for (EvaluationReport.WorkloadResult w : ws) {
            // a deterministic jitter of up to a third of a batch step keeps equal batches apart
            double jitter = ((w.workload().id().hashCode() & 255) / 255.0 - 0.5) * 0.6;
            double x = plot.px(Math.log10(w.workload().parameters()));
            double y = plot.py(Math.log(w.workload().training().batch()) / Math.log(2) + jitter);
            Strategy best = w.best();
            String c = POLICY_COLOURS[best.policy().ordinal()];
            if (best.optimizerOffload()) {
                b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" "
                        + "fill=\"%s\"><title>%s</title></rect>", x - 3.5, y - 3.5, c, esc(best.toString())));
            } else {
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.8\" fill=\"%s\">"
                        + "<title>%s</title></circle>", x, y, c, esc(best.toString())));
            }
            if (w.oom()) {
                b.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fl8 8m0 -8l-8 8\" stroke=\"#d62728\" "
                        + "stroke-width=\"1.6\"/>", x - 4, y - 4));
            } else if (!w.top1()) {
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6.5\" fill=\"none\" "
                        + "stroke=\"#000\" stroke-width=\"1\"/>", x, y));
            }
        }
        return plot.close(b);
    }

    /**
     * The mean redundant share of one strategy's rows, split by where the bytes move: {@code hbmShare}
     * is the mean of redundant HBM bytes / all bytes moved, {@code pcieShare} that of redundant PCIe
     * bytes, so that their sum is the mean {@link Traffic#redundantShare()}.
     *
     * @param strategy  the strategy, partial policies written {@code full:N+mb2} for every layer count
     * @param rows      rows averaged
     * @param hbmShare  mean redundant device-memory share
     * @param pcieShare mean redundant host&lt;-&gt;device share
     */
    public record RedundantShare(String strategy, int rows, double hbmShare, double pcieShare) {
    }

    /**
     * The redundant share of every strategy of the rows, from the exact plan of each row
     * ({@code Plan.traffic()}), in canonical strategy order, the partial policies after their whole-model form.
     */
    public static List<RedundantShare> redundantShares(List<EvaluationReport.RowPrediction> rows) {
        record Share(String label, int order, double hbm, double pcie) {
        }
        List<Strategy> canonical = Strategy.all();
        List<Share> shares = rows.parallelStream().map(p -> {
            Strategy s = p.row().strategy();
            Traffic t = Planner.plan(p.row().workload(), s).traffic();
            double total = (double) t.hbmBytes() + t.pcieBytes();
            int order = 2 * canonical.indexOf(s.wholeModel()) + (s.isPartial() ? 1 : 0);
            return new Share(label(s), order, total == 0 ? 0 : t.redundantHbmBytes() / total,
                    total == 0 ? 0 : t.redundantPcieBytes() / total);
        }).toList();
        Map<String, double[]> sums = new java.util.TreeMap<>();
        Map<String, Integer> order = new LinkedHashMap<>();
        for (Share x : shares) {
            double[] a = sums.computeIfAbsent(x.label(), k -> new double[3]);
            a[0] += x.hbm();
            a[1] += x.pcie();
            a[2]++;
            order.putIfAbsent(x.label(), x.order());
        }
        List<RedundantShare> out = new ArrayList<>();
        sums.forEach((k, a) -> out.add(new RedundantShare(k, (int) a[2], a[0] / a[2], a[1] / a[2])));
        out.sort(Comparator.comparingInt(x -> order.get(x.strategy())));
        return out;
    }

    /** A strategy's label in the traffic plot: the layer count of a partial policy written N. */
    static String label(Strategy s) {
        return s.isPartial() ? s.toString().replaceFirst(":\\d+", ":N") : s.toString();
    }

    /** Horizontal stacked bars of the redundant share, one per strategy, each carrying its values as data attributes. */
    private static String redundantShareBars(List<RedundantShare> shares) {
        int left = 190;
        int barWidth = 560;
        int row = 16;
        int top = 24;
        int width = left + barWidth + 90;
        int height = top + row * shares.size() + 40;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", width, height, width, height));
        for (int t = 0; t <= 4; t++) {
            double x = left + barWidth * t / 4.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%d%%</text>", x, top - 4, x,
                    top + row * shares.size(), x, top + row * shares.size() + 14, 25 * t));
        }
        for (int i = 0; i < shares.size(); i++) {
            RedundantShare s = shares.get(i);
            double y = top + i * row;
            double wh = barWidth * s.hbmShare();
            double wp = barWidth * s.pcieShare();
            b.append(String.format(Locale.ROOT, "<g class=\"redundant-share\" data-strategy=\"%s\" data-rows=\"%d\" "
                    + "data-hbm=\"%.6f\" data-pcie=\"%.6f\"><title>%s: %s of the bytes moved are redundant (%s device"
                    + " memory, %s host&lt;-&gt;device), mean of %d rows</title>", esc(s.strategy()), s.rows(), s.hbmShare(),
                    s.pcieShare(), esc(s.strategy()), pct(s.hbmShare() + s.pcieShare()), pct(s.hbmShare()),
                    pct(s.pcieShare()), s.rows()));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>",
                    left - 6, y + 11, esc(s.strategy())));
            b.append(String.format(Locale.ROOT, "<rect class=\"hbm\" x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
                    + "fill=\"#1f77b4\"/>", left, y + 2, wh, row - 4));
            b.append(String.format(Locale.ROOT, "<rect class=\"pcie\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
                    + "fill=\"#ff7f0e\"/>", left + wh, y + 2, wp, row - 4));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s</text></g>",
                    left + wh + wp + 4, y + 11, pct(s.hbmShare() + s.pcieShare())));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">"
                + "redundant share of bytes moved per step</text>", left + barWidth / 2, height - 6));
        return b.append("</svg>").toString();
    }

    /** An axis range in plot units (log10 or log2 of the quantity), padded a little. */
    private static final class Axis {
        final double min;
        final double max;

        Axis(double lo, double hi) {
            if (!(hi > lo)) {
                hi = lo + 1;
            }
            double pad = (hi - lo) * 0.04;
            this.min = lo - pad;
            this.max = hi + pad;
        }
    }

    /** A rectangle of plot area with log-scale ticks. */
    private static final class Plot {
        final int w;
        final int h;
        final Axis ax;
        final Axis ay;
        final String xl;
        final String yl;
        static final int L = 70;
        static final int B = 50;
        static final int T = 15;
        static final int R = 15;
        int yBase = 10;

        Plot(int w, int h, Axis ax, Axis ay, String xl, String yl, boolean logX, boolean logY) {
            this.w = w;
            this.h = h;
            this.ax = ax;
            this.ay = ay;
            this.xl = xl;
            this.yl = yl;
        }

        double px(double v) {
            return L + (v - ax.min) / (ax.max - ax.min) * (w - L - R);
        }

        double py(double v) {
            return h - B - (v - ay.min) / (ay.max - ay.min) * (h - B - T);
        }

        StringBuilder open() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\""
                    + " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", w, h, w, h));
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
                    + "stroke=\"#bbb\"/>", L, T, w - L - R, h - B - T));
            for (int e = (int) Math.ceil(ax.min); e <= Math.floor(ax.max); e++) {
                double x = px(e);
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>"
                        + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>", x, T, x, h - B,
                        x, h - B + 15, tick(10, e)));
            }
            for (int e = (int) Math.ceil(ay.min); e <= Math.floor(ay.max); e++) {
                double y = py(e);
                b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                        + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>", L, y, w - R, y,
                        L - 5, y + 4, tick(yBase, e)));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">%s"
                    + "</text>", (L + w - R) / 2, h - 12, esc(xl)));
            b.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\" "
                    + "transform=\"rotate(-90 16 %d)\">%s</text>", (T + h - B) / 2, (T + h - B) / 2, esc(yl)));
            return b;
        }

        String close(StringBuilder b) {
            return b.append("</svg>").toString();
        }
    }

    private static String tick(int base, int e) {
        double v = Math.pow(base, e);
        if (base == 2) {
            return Long.toString((long) v);
        }
        if (e >= 9) {
            return (long) Math.pow(10, e - 9) + "G";
        }
        if (e >= 6) {
            return (long) Math.pow(10, e - 6) + "M";
        }
        if (e >= 3) {
            return (long) Math.pow(10, e - 3) + "k";
        }
        return e >= 0 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
