package io.accessplan.model.evaluate;

import io.accessplan.model.train.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
