package io.accessplan.model;

import io.accessplan.model.train.TestModels;
import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {
    @TempDir
    Path dir;

    @Test
    void aSavedModelReloadsAndPredictsIdentically() throws IOException {
        StrategyModel m = TestModels.trained().model();
        Path f = dir.resolve("m.apmodel");
        m.save(f);
        StrategyModel back = StrategyModel.load(f);
        assertEquals(m.metadata(), back.metadata());
        for (Workload w : SyntheticRows.workloads(20, 3)) {
            List<Prediction> a = m.predict(w);
            List<Prediction> b = back.predict(w);
            assertEquals(a, b);
        }
        StrategyModel again = StrategyModel.fromBytes(back.toBytes(), "resaved");
        assertEquals(m.predict(SyntheticRows.workloads(1, 4).get(0)), again.predict(SyntheticRows.workloads(1, 4).get(0)));
    }

    @Test
    void tribuoProvenanceSurvivesTheRoundTrip() {
        StrategyModel m = TestModels.trained().model();
        StrategyModel back = StrategyModel.fromBytes(m.toBytes(), "memory");
        assertEquals(m.timeModel().getProvenance(), back.timeModel().getProvenance());
        String prov = back.peakModel().getProvenance().toString();
        assertTrue(prov.contains("XGBoostRegressionTrainer"), prov);
        assertTrue(prov.contains(m.metadata().fingerprint()), "run provenance carries the data fingerprint");
    }

    @Test
    void aCorruptedFileIsRefusedByItsChecksum() {
        byte[] b = TestModels.trained().model().toBytes();
        b[b.length / 2] ^= 0x40;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StrategyModel.fromBytes(b, "bad.apmodel"));
        assertTrue(e.getMessage().contains("CRC32"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aTruncatedFileIsRefused() {
        byte[] b = TestModels.trained().model().toBytes();
        for (int len : new int[]{0, 5, 12, 100, b.length / 2, b.length - 1}) {
            byte[] t = Arrays.copyOf(b, len);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StrategyModel.fromBytes(t, "short.apmodel"), "length " + len);
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void aFileThatIsNotAModelIsRefused() throws IOException {
        Path f = dir.resolve("notes.txt");
        Files.writeString(f, "this is not a model, just some text that is long enough");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StrategyModel.load(f));
        assertTrue(e.getMessage().startsWith("Not an accessplan model file"), e.getMessage());
        // a bare Tribuo model is not a model file either
        byte[] tribuo = TestModels.trained().model().timeModel().serialize().toByteArray();
        assertThrows(IllegalArgumentException.class, () -> StrategyModel.fromBytes(tribuo, "tribuo.pb"));
    }

    @Test
    void aFileOfAnotherFeatureSchemaVersionIsRefused() {
        byte[] b = TestModels.trained().model().toBytes();
        ByteBuffer.wrap(b).putInt(12, 999);       // schema version field after magic and format version
        rewriteCrc(b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StrategyModel.fromBytes(b, "old.apmodel"));
        assertTrue(e.getMessage().contains("feature schema version 999"), e.getMessage());
    }

    @Test
    void aFileWithBrokenMetadataIsRefusedWithAOneLineReason() {
        byte[] b = TestModels.trained().model().toBytes();
        int len = ByteBuffer.wrap(b).getInt(16);
        byte[] junk = "{not json".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(junk, 0, b, 20, junk.length);
        rewriteCrc(b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StrategyModel.fromBytes(b, "meta.apmodel"));
        assertTrue(len > junk.length);
        assertTrue(e.getMessage().startsWith("Invalid model file: meta.apmodel"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private static void rewriteCrc(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
    }

    @Test
    void predictionsUseTheSafetyMarginAndCandidates() {
        StrategyModel m = TestModels.trained().model();
        Workload w = SyntheticRows.workloads(1, 8).get(0);
        for (Prediction p : m.predict(w)) {
            assertEquals(p.peakBytes() * (1 + m.safetyMargin(p.strategy(), p.peakBytes(), p.analyticPeakBytes())),
                    p.requiredBytes(), 1e-6 * p.requiredBytes());
            assertEquals(p.requiredBytes() <= w.device().memoryBytes(), p.fits());
            assertTrue(p.stepTimeLowMs() <= p.stepTimeHighMs() && p.peakLowBytes() <= p.peakHighBytes());
            assertTrue(Strategy.candidates(w).contains(p.strategy()));
        }
    }
}
