package io.superloss;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ThresholdSnapshot}: validation, value semantics and its JSON and Java serialization forms. */
class ThresholdSnapshotTest {
    @Test
    void ofValidatesEachParameterByName() {
        IllegalArgumentException calls = assertThrows(IllegalArgumentException.class,
                () -> ThresholdSnapshot.of(1.0, -1, 0.0, 0.0));
        assertTrue(calls.getMessage().contains("calls"), calls.getMessage());
        IllegalArgumentException row = assertThrows(IllegalArgumentException.class,
                () -> ThresholdSnapshot.of(1.0, 1, Double.NaN, 0.0));
        assertTrue(row.getMessage().contains("rowWeight"), row.getMessage());
        IllegalArgumentException seen = assertThrows(IllegalArgumentException.class,
                () -> ThresholdSnapshot.of(1.0, 1, 0.0, Double.POSITIVE_INFINITY));
        assertTrue(seen.getMessage().contains("seenWeight"), seen.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ThresholdSnapshot.of(1.0, 1, -2.0, 0.0));
        assertTrue(Double.isNaN(ThresholdSnapshot.of(null, 0, 0.0, null).tau()));
        assertEquals(0.0, ThresholdSnapshot.of(null, 0, 0.0, null).seenWeight());
    }

    @Test
    void equalityIsByValueIncludingNaN() {
        assertEquals(ThresholdSnapshot.of(Double.NaN, 0, 0.0, 0.0), ThresholdSnapshot.of(null, 0, 0.0, null));
        assertEquals(ThresholdSnapshot.of(0.5, 2, 1.0, 3.0).hashCode(),
                ThresholdSnapshot.of(0.5, 2, 1.0, 3.0).hashCode());
        assertFalse(ThresholdSnapshot.of(0.5, 2, 1.0, 3.0).equals(ThresholdSnapshot.of(0.5, 2, 1.0, 3.5)));
        assertFalse(ThresholdSnapshot.of(0.5, 2, 1.0, 3.0).equals(ThresholdSnapshot.of(0.5, 3, 1.0, 3.0)));
    }

    @Test
    void jsonWritesNaNTauAsAbsentAndReadsAMissingSeenWeightAsZero() throws Exception {
        ObjectMapper mapper = NeuralNetConfiguration.mapper();
        String untrained = mapper.writeValueAsString(ThresholdSnapshot.of(Double.NaN, 0, 0.0, 0.0));
        assertFalse(untrained.contains("tau"), untrained);
        ThresholdSnapshot s = ThresholdSnapshot.of(0.25, 7, 12.0, 20.0);
        assertEquals(s, mapper.readValue(mapper.writeValueAsString(s), ThresholdSnapshot.class));
        assertEquals(ThresholdSnapshot.of(0.5, 3, 6.0, 0.0),
                mapper.readValue("{\"calls\":3,\"rowWeight\":6.0,\"tau\":0.5}", ThresholdSnapshot.class));
    }

    @Test
    void javaSerializationRoundTrips() throws Exception {
        ThresholdSnapshot s = ThresholdSnapshot.of(-0.125, 9, 4.5, 8.25);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(s, in.readObject());
        }
    }

    @Test
    void restoreReplacesTheStateAndKeepsAConstantTau() {
        SuperLoss ema = new SuperLoss(new org.nd4j.linalg.lossfunctions.impl.LossMSE());
        ThresholdSnapshot s = ThresholdSnapshot.of(0.4, 5, 0.0, 50.0);
        ema.restore(s);
        assertEquals(s, ema.snapshot());
        assertEquals(0.4, ema.tau());
        SuperLoss constant = SuperLoss.builder(new org.nd4j.linalg.lossfunctions.impl.LossMSE())
                .threshold(Threshold.constant(2.0)).build();
        constant.restore(s);
        assertEquals(ThresholdSnapshot.of(2.0, 5, 0.0, 50.0), constant.snapshot());
        assertThrows(IllegalArgumentException.class, () -> constant.restore(null));
        ema.resetState();
        assertTrue(Double.isNaN(ema.tau()));
        assertEquals(0, ema.snapshot().calls());
    }
}
