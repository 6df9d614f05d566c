// Starts the app in the offline app shell (public/app.html): the service worker serves that page
// for any address of the app when the server cannot be reached, and the app, rendered here in the
// browser, routes to the page asked for and opens the record from the device's encrypted copy.
import init, { mount } from '/pkg/carnet.js';

await init({ module_or_path: '/pkg/carnet_bg.wasm' });
mount();
