package io.accessplan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.accessplan.datasets.GenericTable;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Workload;
import io.accessplan.features.WorkloadColumns;
import io.accessplan.predictor.AccessPlanner;
import io.accessplan.predictor.Recommendation;
import io.accessplan.predictor.Throughput;
import io.accessplan.predictor.emit.Framework;
import io.accessplan.predictor.emit.FrameworkSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code batch}: tokens per second, MFU and HFU per answer, and with {@code --emit F} the settings as a column. */
class BatchAnswersTest {
    private static final String JOBS = """
            job_id,family,layers,hidden,heads,seq_len,batch,precision,attention,device
            gpt2,gpt,12,768,12,1024,16,fp16,naive,t4-16gb
            big,gpt,48,1024,16,4096,8,fp16,naive,a100-sxm-40gb
            llama,llama,32,4096,32,4096,8,bf16,fused,a100-sxm-80gb
            mlp,mlp,6,2048,1,256,8,fp32,fused,v100-sxm-16gb
            bad,gpt,0,768,12,1024,8,fp16,naive,t4-16gb
            """;

    @Test
    void answersCarryTokensPerSecondMfuHfuAndTheSettingsOfTheFramework(@TempDir Path tmp) throws Exception {
        Path jobs = tmp.resolve("jobs.csv");
        Files.writeString(jobs, JOBS);
        Path out = tmp.resolve("answers.parquet");
        Cli.Run run = Cli.run("batch", "--jobs", jobs.toString(), "--out", out.toString(), "--emit", "deepspeed");
        assertEquals(0, run.code(), run.err());
        List<Map<String, Object>> rows = GenericTable.read(out.toString());
        assertEquals(5, rows.size());
        AccessPlanner planner = AccessPlanner.bundled();
        for (Map<String, Object> row : rows) {
            if (row.get("job_id").equals("bad")) {
                assertTrue(row.get("error").toString().contains("layers"), row.toString());
                assertNull(row.get("mfu"));
                assertNull(row.get("settings"));
                continue;
            }
            Map<String, Object> job = new LinkedHashMap<>(row);
            Workload w = WorkloadColumns.parse(job, DeviceCatalog.builtin());
            Recommendation r = planner.recommend(w);
            assertEquals(r.strategy().toString(), row.get("strategy"));
            assertEquals(r.mfu(), ((Number) row.get("mfu")).doubleValue(), 1e-12);
            assertEquals(r.hfu(), ((Number) row.get("hfu")).doubleValue(), 1e-12);
            double seconds = r.predictedStepTimeMs() / 1e3;
            if (row.get("job_id").equals("mlp")) {
                assertNull(row.get("tokens_per_s"), "an mlp has no tokens");
            } else {
                assertEquals(w.training().tokens() / seconds, ((Number) row.get("tokens_per_s")).doubleValue(), 1e-6);
            }
            assertEquals(Throughput.of(w, r.strategy(), r.predictedStepTimeMs()).mfu(), r.mfu());
            FrameworkSettings fs = FrameworkSettings.of(r, Framework.DEEPSPEED);
            JsonNode config = new ObjectMapper().readTree(row.get("settings").toString());
            assertEquals(new ObjectMapper().readTree(fs.text()), config);
            assertEquals(fs.realised().toString(), row.get("settings_strategy"));
            assertEquals(fs.notes().isEmpty() ? null : fs.notesText(), row.get("settings_note"));
        }
    }

    @Test
    void withoutEmitThereAreNoSettingsColumnsAndCsvQuotesMultiLineSettings(@TempDir Path tmp) throws Exception {
        Path jobs = tmp.resolve("jobs.csv");
        Files.writeString(jobs, JOBS);
        Path plain = tmp.resolve("plain.jsonl");
        assertEquals(0, Cli.run("batch", "--jobs", jobs.toString(), "--out", plain.toString()).code());
        JsonNode first = new ObjectMapper().readTree(Files.readAllLines(plain).get(0));
        assertTrue(first.has("tokens_per_s") && first.has("mfu") && first.has("hfu"), first.toString());
        assertFalse(first.has("settings"), first.toString());
        Path csv = tmp.resolve("answers.csv");
        assertEquals(0, Cli.run("batch", "--jobs", jobs.toString(), "--out", csv.toString(), "--emit", "hf").code());
        String text = Files.readString(csv);
        assertTrue(text.startsWith("job_id,family,layers,hidden,heads,seq_len,batch,precision,attention,device,strategy,"
                + "fits,predicted_step_time_ms,predicted_peak_memory_bytes,throughput_samples_per_s,tokens_per_s,mfu,hfu,"
                + "headroom_bytes,settings,settings_strategy,settings_note,error\n"), text);
        assertTrue(text.contains("\"from transformers import TrainingArguments\n"), text);
    }

    @Test
    void anUnknownFrameworkIsRefusedBeforeAnythingIsWritten(@TempDir Path tmp) throws Exception {
        Path jobs = tmp.resolve("jobs.csv");
        Files.writeString(jobs, JOBS);
        Path out = tmp.resolve("answers.csv");
        Cli.Run run = Cli.run("batch", "--jobs", jobs.toString(), "--out", out.toString(), "--emit", "jax");
        assertEquals(2, run.code());
        assertEquals("accessplan: Unknown framework: 'jax' (expected hf, deepspeed, megatron, torchtitan, pytorch)\n",
                run.err());
        assertFalse(Files.exists(out));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "only the jobs file");
        }
    }
}
