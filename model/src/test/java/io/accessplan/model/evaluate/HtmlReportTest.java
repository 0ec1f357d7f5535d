package io.accessplan.model.evaluate;

import io.accessplan.model.train.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.accessplan.features.plan.Planner;
import io.accessplan.features.plan.Traffic;
import io.accessplan.model.Observation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {
    @TempDir
    Path dir;

    @Test
    void theReportIsSelfContainedHtmlWithTheFourPlotsAndTheMetrics() throws IOException {
        Path f = dir.resolve("r.html");
        HtmlReport.write(f, TestModels.trained().crossValidation(), "accessplan evaluation (synthetic test data)");
        String html = Files.readString(f);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("always-full") && html.contains("top1_accuracy"));
        assertTrue(html.split("<svg ", -1).length - 1 >= 4, "two scatters, a histogram and at least one win map");
        assertFalse(html.contains("<script"), "no script");
        assertFalse(html.contains("http://") && html.replace("http://www.w3.org/2000/svg", "").contains("http://"),
                "no external resource");
        assertFalse(html.contains("https://"));
        assertFalse(html.contains("NaN"));
    }

    @Test
    void theRedundantTrafficPlotShowsEachStrategysMeanShareAsTrafficComputesIt() {
        EvaluationReport r = TestModels.trained().crossValidation();
        String html = HtmlReport.render(r, "traffic");
        // the plotted bars, read back from the page: values, and the widths the bars are drawn at
        Pattern bar = Pattern.compile("<g class=\"redundant-share\" data-strategy=\"([^\"]+)\" data-rows=\"(\\d+)\" "
                + "data-hbm=\"([0-9.]+)\" data-pcie=\"([0-9.]+)\">.*?<rect class=\"hbm\" x=\"[0-9.]+\" y=\"[0-9.]+\" "
                + "width=\"([0-9.]+)\".*?<rect class=\"pcie\" x=\"[0-9.]+\" y=\"[0-9.]+\" width=\"([0-9.]+)\"");
        Map<String, double[]> plotted = new LinkedHashMap<>();
        Matcher m = bar.matcher(html);
        while (m.find()) {
            plotted.put(m.group(1), new double[]{Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                    Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)), Double.parseDouble(m.group(6))});
        }
        // the same means computed here, row by row, from each row's schedule
        Map<String, double[]> expected = new TreeMap<>();
        for (EvaluationReport.RowPrediction p : r.rows()) {
            Observation o = p.row();
            Traffic t = Traffic.of(Planner.schedule(o.workload(), o.strategy()));
            double total = t.hbmBytes() + (double) t.pcieBytes();
            String label = o.strategy().toString().replaceFirst(":[0-9]+", ":N");
            double[] a = expected.computeIfAbsent(label, k -> new double[3]);
            a[0]++;
            a[1] += (t.hbmBytes() - t.essentialHbmBytes()) / total;
            a[2] += (t.pcieBytes() - t.essentialPcieBytes()) / total;
        }
        assertEquals(expected.keySet(), new TreeMap<>(plotted).keySet(), "one bar per strategy of the rows");
        expected.forEach((s, a) -> {
            double[] b = plotted.get(s);
            assertEquals(a[0], b[0], s + " rows");
            assertEquals(a[1] / a[0], b[1], 1e-6, s + " HBM share");
            assertEquals(a[2] / a[0], b[2], 1e-6, s + " PCIe share");
            assertEquals(560 * b[1], b[3], 0.01, s + " HBM bar drawn to scale");
            assertEquals(560 * b[2], b[4], 0.01, s + " PCIe bar drawn to scale");
        });
        assertEquals(0.0, plotted.get("keep")[1] + plotted.get("keep")[2], "keep moves nothing redundant");
        assertTrue(plotted.get("full")[1] > 0 && plotted.get("full")[2] == 0, "full: recompute in HBM, no PCIe");
        assertTrue(plotted.get("offload")[2] > 0, "offload: round trips over PCIe");
        assertTrue(plotted.get("keep+opt_offload")[2] > 0 && plotted.get("keep+opt_offload")[1] == 0,
                "optimizer offload: transfers over PCIe only");
        assertEquals("full:N+mb2", HtmlReport.label(io.accessplan.features.Strategy.parse("full:6+mb2")),
                "partial policies share a bar whatever their layer count");
    }
}
