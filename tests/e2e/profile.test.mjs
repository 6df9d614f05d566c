// End to end, the health profile: a patient on a phone records two weights and sees their trend
// drawn, then adds a treatment that the ANSM thesaurus says is contraindicated with one already
// taken: warned on the device with the network off, before sending, then by the server, with the
// mechanism, the advice and the source. The timeline follows. Accessibility checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { availableOffline, openPage, pageHelpers, useServerAndBrowser } from './server.mjs';

const PASSWORD = 'marée basse à Étretat';
const env = useServerAndBrowser({ before, after });
const { hydrated, assertAccessible, signUp, logIn } = pageHelpers(env);

test('measurements draw a trend; a new treatment is checked for interactions', async () => {
  await signUp('lucie.moreau@example.fr', 'Lucie', 'Moreau', PASSWORD);
  const patient = await openPage(env.browser, { width: 320, height: 640 }, { httpErrors: false });
  const { page } = patient;
  await logIn(page, 'lucie.moreau@example.fr', PASSWORD);
  await hydrated(page, '/dossier/sante');
  const profile = page.getByRole('region', { name: 'Profil de santé' });
  await profile.getByText('Rien dans le profil pour l\'instant.').waitFor();
  // The form comes with its code when asked for; the focus goes to its first control.
  await profile.getByRole('button', { name: 'Ajouter au profil' }).click();
  await profile.getByLabel('Rubrique').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'entry-section');
  await assertAccessible(page, 'profile: the form opened');

  for (const [value, date] of [['72,5', '2026-11-01'], ['71', '2026-11-20']]) {
    await profile.getByLabel('Rubrique').selectOption('measurements');
    await profile.getByLabel('Mesure', { exact: true }).selectOption('weight');
    await profile.getByLabel('Valeur', { exact: true }).fill(value);
    await profile.getByLabel('Date', { exact: true }).fill(date);
    await profile.getByRole('button', { name: 'Ajouter', exact: true }).click();
    await profile.getByText(`${value.replace(',', '.')} kg — ${date}`).waitFor();
  }
  const chart = profile.getByRole('img', { name: 'Courbe de Poids (kg) du 2026-11-01 au 2026-11-20' });
  await chart.waitFor();
  assert.equal((await chart.locator('polyline').getAttribute('points')).split(' ').length, 2);
  await assertAccessible(page, 'profile with a weight trend');

  // A plausibility check, in words, and nothing stored.
  await profile.getByLabel('Mesure', { exact: true }).selectOption('weight');
  await profile.getByLabel('Valeur', { exact: true }).fill('7000');
  await profile.getByLabel('Date', { exact: true }).fill('2026-11-21');
  await profile.getByRole('button', { name: 'Ajouter', exact: true }).click();
  await profile.getByText('Cette valeur n\'est pas plausible : vérifiez-la et son unité.').first().waitFor();
  await assertAccessible(page, 'profile: implausible value');

  const addTreatment = async (substance, dose) => {
    await profile.getByLabel('Rubrique').selectOption('treatments');
    await profile.getByLabel('Substance').fill(substance);
    await profile.getByLabel('Posologie').fill(dose);
    await profile.getByRole('button', { name: 'Ajouter', exact: true }).click();
  };
  await addTreatment('Warfarine', '5 mg le soir');
  await profile.getByText('Warfarine, 5 mg le soir').waitFor();
  // With the network off, the thesaurus on the device warns before anything is sent.
  await availableOffline(page);
  await patient.context.setOffline(true);
  await addTreatment('acide acétylsalicylique', '100 mg');
  const before = profile.locator('.safety__before');
  await before.getByText('Vérifié sur cet appareil avant l\'envoi — acide acétylsalicylique').waitFor();
  await before.getByRole('alert').getByText('Interaction avec Warfarine').first().waitFor();
  await before.getByText('Contre-indication').first().waitFor();
  await assertAccessible(page, 'profile: interaction found on the device, offline');
  await patient.context.setOffline(false);
  await profile.getByRole('button', { name: 'Ajouter quand même' }).click();
  await profile.getByText('acide acétylsalicylique, 100 mg').waitFor();
  const alert = profile.getByRole('alert').filter({ hasText: 'Interaction avec Warfarine' });
  await alert.getByText('Contre-indication').first().waitFor();
  await alert.getByText('Mécanisme :').first().waitFor();
  await profile.getByText('Source : ANSM, Thésaurus des interactions médicamenteuses, octobre 2020').waitFor();
  await assertAccessible(page, 'profile: interaction warning');

  // The timeline follows the profile without a reload; an episode groups one measurement.
  const timeline = page.getByRole('region', { name: 'Chronologie' });
  await timeline.locator('.timeline__item', { hasText: 'Traitements · ajout' }).first().waitFor();
  await timeline.getByLabel('Nouvel épisode (par exemple : grossesse, suivi du diabète)').fill('Suivi du poids');
  await timeline.getByRole('button', { name: 'Créer l\'épisode' }).click();
  await timeline.locator('.episodes__list li', { hasText: 'Suivi du poids' }).waitFor();
  const weighed = timeline.locator('.timeline__item', { hasText: 'Mesure' }).first();
  await weighed.getByRole('combobox').selectOption({ label: 'Suivi du poids' });
  await weighed.getByRole('button', { name: 'Ajouter', exact: true }).click();
  await timeline.locator('.chip', { hasText: 'Suivi du poids' }).first().waitFor();
  await timeline.getByRole('button', { name: 'Voir seul Suivi du poids' }).click();
  await timeline.getByText('2 sur 2').waitFor();
  await timeline.getByLabel('Type d\'élément').selectOption('care_event');
  await timeline.getByText('1 sur 1').waitFor();
  await assertAccessible(page, 'timeline: one episode, care events');
  assert.deepEqual(patient.problems, []);
  await patient.context.close();
});
