-- The patient's designated regular doctor (médecin traitant), a physician of the directory.
ALTER TABLE accounts ADD COLUMN regular_doctor TEXT REFERENCES professionals (rpps);
