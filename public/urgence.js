// The responder's page of an emergency-summary link (SMART Health Links). The link's fragment
// (`#shlink:/…`) names the manifest URL and the key; the fragment never reaches a server. The
// page asks the server for the encrypted summary (with the passcode if the link has one),
// decrypts it here with the browser's own AES-GCM, and shows what matters first. Kept apart from
// the app's WebAssembly so that it loads in a moment on a weak network.
//
// The same script shows the emergency card on the patient's own device (`/carte-urgence.html`,
// `data-source="device"`): the summary the patient chose to keep readable there, in this
// origin's local storage, offline, without unlocking anything.
"use strict";

const TEXT = {
  fr: {
    title: "Résumé d'urgence",
    cardTitle: "Carte d'urgence",
    noCard: "Aucune carte d'urgence sur cet appareil. Le patient peut l'activer dans Carnet, page « Résumé d'urgence ».",
    loading: "Chargement…",
    decrypting: "Déchiffrement…",
    passcode: "Code du lien (donné par le patient ou sur sa carte)",
    open: "Ouvrir",
    wrong: (n) => n > 0 ? `Code incorrect. Encore ${n} essai${n > 1 ? "s" : ""} avant que le lien soit bloqué.` : "Code incorrect.",
    gone: "Ce lien n'est plus valable : retiré par le patient, expiré, déjà utilisé ou bloqué après trop de codes faux.",
    bad: "Ce lien est incomplet ou abîmé. Scannez de nouveau le code QR.",
    network: "Pas de réseau ou serveur injoignable. Réessayez.",
    slow: "Trop d'essais. Patientez une minute.",
    unreadable: "Le résumé n'a pas pu être déchiffré : le lien ne correspond pas.",
    born: "né(e) le",
    asOf: "Résumé établi le",
    other: "English",
    parts: {
      allergies: "Allergies", blood_group: "Groupe sanguin", medications: "Traitements en cours",
      problems: "Problèmes de santé", devices: "Dispositifs implantés", advance_directives: "Directives anticipées",
      organ_donation: "Don d'organes", emergency_contacts: "Personnes à prévenir",
      immunizations: "Vaccinations", results: "Dernières mesures", doctor: "Médecin traitant",
    },
    empty: { nothing_recorded: "Aucune information renseignée (pas forcément « aucune »).", withheld: "Non partagé par le patient." },
    severity: { mild: "légère", moderate: "modérée", severe: "sévère", life_threatening: "RISQUE VITAL" },
    donation: { yes: "Accepte le don d'organes", no: "Refuse le don d'organes", some: "Accepte le don de certains organes" },
    since: "depuis",
    measures: { weight: "Poids", height: "Taille", blood_pressure: "Tension", heart_rate: "Pouls", glucose: "Glycémie", hba1c: "HbA1c", temperature: "Température" },
  },
  en: {
    title: "Emergency summary",
    cardTitle: "Emergency card",
    noCard: "No emergency card on this device. The patient can turn it on in Carnet, on the \"Emergency summary\" page.",
    loading: "Loading…",
    decrypting: "Decrypting…",
    passcode: "Link passcode (from the patient or their card)",
    open: "Open",
    wrong: (n) => n > 0 ? `Wrong passcode. ${n} more tr${n > 1 ? "ies" : "y"} before the link is blocked.` : "Wrong passcode.",
    gone: "This link no longer works: withdrawn by the patient, expired, already used, or blocked after too many wrong passcodes.",
    bad: "This link is incomplete or damaged. Scan the QR code again.",
    network: "No network or server unreachable. Try again.",
    slow: "Too many tries. Wait a minute.",
    unreadable: "The summary could not be decrypted: the link does not match.",
    born: "born",
    asOf: "Summary as of",
    other: "Français",
    parts: {
      allergies: "Allergies", blood_group: "Blood group", medications: "Current medication",
      problems: "Health problems", devices: "Implanted devices", advance_directives: "Advance directives",
      organ_donation: "Organ donation", emergency_contacts: "People to call",
      immunizations: "Immunisations", results: "Latest measurements", doctor: "Regular doctor",
    },
    empty: { nothing_recorded: "No information recorded (not necessarily \"none\").", withheld: "Not shared by the patient." },
    severity: { mild: "mild", moderate: "moderate", severe: "severe", life_threatening: "LIFE-THREATENING" },
    donation: { yes: "Consents to organ donation", no: "Refuses organ donation", some: "Consents to donating some organs" },
    since: "since",
    measures: { weight: "Weight", height: "Height", blood_pressure: "Blood pressure", heart_rate: "Heart rate", glucose: "Blood glucose", hba1c: "HbA1c", temperature: "Temperature" },
  },
};
const UNITS = { weight: "kg", height: "cm", blood_pressure: "mmHg", heart_rate: "/min", glucose: "mmol/L", hba1c: "%", temperature: "°C" };
const CRITICAL = new Set(["allergies", "blood_group", "medications", "devices", "advance_directives"]);

// French unless this browser chose English in Carnet (the app's own language cookie).
let lang = /(?:^|;\s*)i18n_pref_locale=en(?:;|$)/.test(document.cookie) ? "en" : "fr";
let summary = null;
let statusKey = "loading";

const $ = (id) => document.getElementById(id);
/// Where the patient's device keeps its card (see app/src/summary/card.rs).
const CARD_KEY = "carnet.emergency-card";
const onDevice = document.body.dataset.source === "device";

function base64url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function payload() {
  const at = location.hash.indexOf("shlink:/");
  if (at < 0) return null;
  try {
    const found = JSON.parse(new TextDecoder().decode(base64url(location.hash.slice(at + 8))));
    return typeof found.url === "string" && typeof found.key === "string" ? found : null;
  } catch {
    return null;
  }
}

async function decrypt(keyText, jwe) {
  const [header, encryptedKey, iv, ciphertext, tag] = jwe.split(".");
  const fields = JSON.parse(new TextDecoder().decode(base64url(header)));
  if (fields.alg !== "dir" || fields.enc !== "A256GCM" || encryptedKey !== "") throw new Error("jwe");
  const key = await crypto.subtle.importKey("raw", base64url(keyText), "AES-GCM", false, ["decrypt"]);
  const sealed = new Uint8Array([...base64url(ciphertext), ...base64url(tag)]);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: base64url(iv), additionalData: new TextEncoder().encode(header), tagLength: 128 },
    key,
    sealed,
  );
  return JSON.parse(new TextDecoder().decode(plain));
}

function setStatus(key, extra) {
  statusKey = key;
  const value = TEXT[lang][key];
  $("status").textContent = typeof value === "function" ? value(extra) : value || "";
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children.flat()) node.append(child);
  return node;
}

function itemText(entry, t) {
  switch (entry.section) {
    case "blood_group": {
      const group = { a: "A", b: "B", ab: "AB", o: "O" }[entry.group];
      return element("span", { class: "big" }, `${group}${entry.rhesus === "positive" ? "+" : "−"}`);
    }
    case "allergy": {
      const severe = entry.severity === "severe" || entry.severity === "life_threatening";
      const text = `${entry.substance}${entry.reaction ? ` — ${entry.reaction}` : ""} (${t.severity[entry.severity]})`;
      return severe ? element("strong", { class: "severe" }, text) : text;
    }
    case "treatment":
      return `${entry.substance} — ${entry.dose}`;
    case "condition":
      return entry.since ? `${entry.name} (${t.since} ${entry.since})` : entry.name;
    case "implant":
      return `${entry.device}${entry.since ? ` (${entry.since})` : ""}${entry.note ? ` — ${entry.note}` : ""}`;
    case "vaccination":
      return `${entry.vaccine} (${entry.date})`;
    case "measurement": {
      const value = entry.second ? `${entry.value}/${entry.second}` : `${entry.value}`;
      return `${t.measures[entry.kind]} : ${value} ${UNITS[entry.kind]} (${entry.date})`;
    }
    case "advance_directives":
      return `${entry.text} (${entry.date})`;
    case "organ_donation":
      return entry.note ? `${t.donation[entry.wish]} : ${entry.note}` : t.donation[entry.wish];
    case "emergency_contact":
      return element("span", {}, `${entry.name}${entry.relation ? ` (${entry.relation})` : ""} `,
        element("a", { href: `tel:${entry.phone}` }, entry.phone));
    default:
      return "";
  }
}

function render() {
  const t = TEXT[lang];
  document.documentElement.lang = lang;
  const title = onDevice ? t.cardTitle : t.title;
  document.title = `${title} — Carnet`;
  $("title").textContent = title;
  $("language").textContent = t.other;
  $("language").lang = lang === "fr" ? "en" : "fr";
  $("passcode-label").textContent = t.passcode;
  $("passcode-submit").textContent = t.open;
  if (statusKey) setStatus(statusKey, lastLeft);
  if (wrongShown) $("passcode-error").textContent = t.wrong(lastLeft);
  const root = $("summary");
  root.replaceChildren();
  if (!summary) return;
  const p = summary.patient;
  root.append(
    element("p", { class: "who" }, `${p.given_name} ${p.family_name}`),
    element("p", { class: "fresh" }, `${t.born} ${p.birth_date} · ${t.asOf} ${summary.as_of}`),
  );
  for (const part of summary.parts) {
    const id = `part-${part.part}`;
    const section = element("section", { class: CRITICAL.has(part.part) ? "critical" : "", "aria-labelledby": id },
      element("h2", { id }, t.parts[part.part]));
    if (part.items.length === 0) {
      section.append(element("p", { class: "empty" }, t.empty[part.empty] || ""));
    } else {
      section.append(element("ul", {}, part.items.map((item) => element("li", {}, itemText(item.entry, t)))));
    }
    root.append(section);
  }
  const doctor = summary.regular_doctor;
  if (doctor) {
    root.append(element("section", { "aria-labelledby": "part-doctor" },
      element("h2", { id: "part-doctor" }, t.parts.doctor),
      element("p", {}, `${doctor.given_name} ${doctor.family_name} (${doctor.place})`)));
  }
}

let lastLeft = 0;
let wrongShown = false;

async function open(link, passcode) {
  setStatus("loading");
  let response;
  try {
    response = await fetch(link.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ recipient: "Carnet — secours", passcode: passcode || null }),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    setStatus("network");
    return;
  }
  if (response.status === 401) {
    const body = await response.json().catch(() => ({}));
    lastLeft = body.attempts_left ?? 0;
    $("passcode-form").hidden = false;
    setStatus("");
    if (passcode) {
      wrongShown = true;
      $("passcode-error").textContent = TEXT[lang].wrong(lastLeft);
    }
    $("passcode").focus();
    return;
  }
  if (response.status === 404) return gone();
  if (response.status === 429) return setStatus("slow");
  if (!response.ok) return setStatus("network");
  const manifest = await response.json();
  const file = (manifest.files || []).find((f) => f.contentType === "application/vnd.carnet.summary+json");
  setStatus("decrypting");
  try {
    summary = await decrypt(link.key, file.embedded);
  } catch {
    return setStatus("unreadable");
  }
  $("passcode-form").hidden = true;
  statusKey = "";
  $("status").textContent = "";
  render();
  $("main").focus();
}

function gone() {
  $("passcode-form").hidden = true;
  setStatus("gone");
}

function start() {
  $("language").addEventListener("click", () => {
    lang = lang === "fr" ? "en" : "fr";
    render();
  });
  if (onDevice) {
    try {
      const kept = JSON.parse(localStorage.getItem(CARD_KEY));
      summary = kept && kept.patient && Array.isArray(kept.parts) ? kept : null;
    } catch {
      summary = null;
    }
    statusKey = summary ? "" : "noCard";
    return render();
  }
  const link = payload();
  render();
  if (!link) return setStatus("bad");
  if (link.exp && link.exp * 1000 < Date.now()) return gone();
  $("passcode-form").addEventListener("submit", (event) => {
    event.preventDefault();
    wrongShown = false;
    $("passcode-error").textContent = "";
    open(link, $("passcode").value);
  });
  if ((link.flag || "").includes("P")) {
    $("passcode-form").hidden = false;
    setStatus("");
    $("passcode").focus();
  } else {
    open(link, null);
  }
}

start();
