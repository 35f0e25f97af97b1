<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Bridge</name>
    <message>
        <source>Reachability %1</source>
        <translation>Erreichbarkeit %1</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>peer-up is not running.</source>
        <translation>peer-up läuft nicht.</translation>
    </message>
    <message>
        <source>Access to peer-up&apos;s local API was refused.</source>
        <translation>Der Zugriff auf die lokale API von peer-up wurde verweigert.</translation>
    </message>
    <message>
        <source>No such peer.</source>
        <translation>Diesen Peer gibt es nicht.</translation>
    </message>
    <message>
        <source>Not found.</source>
        <translation>Nicht gefunden.</translation>
    </message>
    <message>
        <source>The peer cannot be reached right now.</source>
        <translation>Der Peer ist gerade nicht erreichbar.</translation>
    </message>
    <message>
        <source>This peer is not authorized.</source>
        <translation>Dieser Peer ist nicht autorisiert.</translation>
    </message>
    <message>
        <source>That name is not valid.</source>
        <translation>Dieser Name ist ungültig.</translation>
    </message>
    <message>
        <source>That is not a valid peer ID.</source>
        <translation>Das ist keine gültige Peer-ID.</translation>
    </message>
    <message>
        <source>That address cannot be used.</source>
        <translation>Diese Adresse ist nicht verwendbar.</translation>
    </message>
    <message>
        <source>That network name is not valid.</source>
        <translation>Dieser Netzwerkname ist ungültig.</translation>
    </message>
    <message>
        <source>Start at login could not be changed.</source>
        <translation>Der Start beim Anmelden ließ sich nicht ändern.</translation>
    </message>
    <message>
        <source>It exists already.</source>
        <translation>Das gibt es schon.</translation>
    </message>
    <message>
        <source>The address is in use.</source>
        <translation>Die Adresse ist belegt.</translation>
    </message>
    <message>
        <source>The config file has an error.</source>
        <translation>Die Konfigurationsdatei enthält einen Fehler.</translation>
    </message>
    <message>
        <source>This device&apos;s identity cannot be read.</source>
        <translation>Die Identität dieses Geräts kann nicht gelesen werden.</translation>
    </message>
    <message>
        <source>The peer offers no such service.</source>
        <translation>Der Peer bietet diesen Dienst nicht an.</translation>
    </message>
    <message>
        <source>The service is not available.</source>
        <translation>Der Dienst ist nicht verfügbar.</translation>
    </message>
    <message>
        <source>No such forward.</source>
        <translation>Diese Weiterleitung gibt es nicht.</translation>
    </message>
    <message>
        <source>The connection broke.</source>
        <translation>Die Verbindung ist abgebrochen.</translation>
    </message>
    <message>
        <source>Too many connections.</source>
        <translation>Zu viele Verbindungen.</translation>
    </message>
    <message>
        <source>The relay cannot be reached.</source>
        <translation>Das Relay ist nicht erreichbar.</translation>
    </message>
    <message>
        <source>The relay refused a reservation.</source>
        <translation>Das Relay hat eine Reservierung abgelehnt.</translation>
    </message>
    <message>
        <source>A known name now belongs to a different key: verify it again.</source>
        <translation>Ein bekannter Name gehört jetzt zu einem anderen Schlüssel: bitte erneut verifizieren.</translation>
    </message>
    <message>
        <source>The verification failed.</source>
        <translation>Die Verifizierung ist fehlgeschlagen.</translation>
    </message>
    <message>
        <source>The peer cannot verify (too old).</source>
        <translation>Der Peer kann nicht verifizieren (zu alt).</translation>
    </message>
    <message>
        <source>peer-up hit an internal error.</source>
        <translation>peer-up hatte einen internen Fehler.</translation>
    </message>
    <message>
        <source>peer-up&apos;s engine did not start.</source>
        <translation>Die Engine von peer-up ist nicht gestartet.</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Welcome to peer-up</source>
        <translation>Willkommen bei peer-up</translation>
    </message>
    <message>
        <source>This device has a new identity. To connect another device, run `peerup invite` here and `peerup join &lt;code&gt;` there.</source>
        <translation>Dieses Gerät hat eine neue Identität. Um ein anderes Gerät zu verbinden, hier `peerup invite` und dort `peerup join &lt;Code&gt;` ausführen.</translation>
    </message>
    <message>
        <source>peer-up</source>
        <translation>peer-up</translation>
    </message>
    <message>
        <source>Received a link: %1</source>
        <translation>Link erhalten: %1</translation>
    </message>
    <message>
        <source>peer-up is already running (see the tray).</source>
        <translation>peer-up läuft bereits (siehe Infobereich).</translation>
    </message>
    <message>
        <source>Invite a device</source>
        <translation>Gerät einladen</translation>
    </message>
    <message>
        <source>Join with a code</source>
        <translation>Mit einem Code beitreten</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>Überprüfen</translation>
    </message>
    <message>
        <source>Port forwards</source>
        <translation>Portweiterleitungen</translation>
    </message>
    <message>
        <source>peer-up: something went wrong</source>
        <translation>peer-up: etwas ist schiefgegangen</translation>
    </message>
    <message>
        <source>peer-up hit an unexpected error: %1</source>
        <translation>peer-up hatte einen unerwarteten Fehler: %1</translation>
    </message>
    <message>
        <source>Please copy the details into a bug report.</source>
        <translation>Bitte die Details in einen Fehlerbericht kopieren.</translation>
    </message>
</context>
<context>
    <name>MessageBanner</name>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
</context>
<context>
    <name>Notifications</name>
    <message>
        <source>A peer joined</source>
        <translation>Ein Peer ist hinzugekommen</translation>
    </message>
    <message>
        <source>Verification requested</source>
        <translation>Verifizierung angefragt</translation>
    </message>
    <message>
        <source>A forward failed</source>
        <translation>Eine Weiterleitung ist fehlgeschlagen</translation>
    </message>
    <message>
        <source>A path became direct</source>
        <translation>Ein Pfad wurde direkt</translation>
    </message>
    <message>
        <source>A path fell back to the relay</source>
        <translation>Ein Pfad fiel auf das Relay zurück</translation>
    </message>
    <message>
        <source>A peer&apos;s key changed</source>
        <translation>Der Schlüssel eines Peers hat sich geändert</translation>
    </message>
    <message>
        <source>Our reachability grade changed</source>
        <translation>Unsere Erreichbarkeitsnote hat sich geändert</translation>
    </message>
    <message>
        <source>%1 joined</source>
        <translation>%1 ist hinzugekommen</translation>
    </message>
    <message>
        <source>%1 can now reach this device.</source>
        <translation>%1 kann dieses Gerät jetzt erreichen.</translation>
    </message>
    <message>
        <source>%1 asks to verify</source>
        <translation>%1 möchte verifizieren</translation>
    </message>
    <message>
        <source>Compare the emoji: run peerup verify %1.</source>
        <translation>Emoji vergleichen: peerup verify %1 ausführen.</translation>
    </message>
    <message>
        <source>Forward failed: %1</source>
        <translation>Weiterleitung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>%1: direct</source>
        <translation>%1: direkt</translation>
    </message>
    <message>
        <source>The connection to %1 is now direct.</source>
        <translation>Die Verbindung zu %1 ist jetzt direkt.</translation>
    </message>
    <message>
        <source>%1: relayed</source>
        <translation>%1: über Relay</translation>
    </message>
    <message>
        <source>The connection to %1 fell back to the relay.</source>
        <translation>Die Verbindung zu %1 läuft wieder über das Relay.</translation>
    </message>
    <message>
        <source>The key of %1 changed</source>
        <translation>Der Schlüssel von %1 hat sich geändert</translation>
    </message>
    <message>
        <source>%1 now has a different key: it is unverified. Verify it again.</source>
        <translation>%1 hat jetzt einen anderen Schlüssel und ist unverifiziert. Bitte erneut verifizieren.</translation>
    </message>
    <message>
        <source>Reachability %1</source>
        <translation>Erreichbarkeit %1</translation>
    </message>
    <message>
        <source>This device&apos;s reachability grade is now %1.</source>
        <translation>Die Erreichbarkeitsnote dieses Geräts ist jetzt %1.</translation>
    </message>
    <message numerus="yes">
        <source>(changed %n times)</source>
        <translation>
            <numerusform>(%n-mal geändert)</numerusform>
            <numerusform>(%n-mal geändert)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Peers</name>
    <message>
        <source>offline</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>Direct · %1</source>
        <translation>Direkt · %1</translation>
    </message>
    <message>
        <source>Relayed · %1 via %2</source>
        <translation>Über Relay · %1 via %2</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Peer ID</source>
        <translation>Peer-ID</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Verifiziert</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
    <message>
        <source>RTT</source>
        <translation>RTT</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <source>Grade</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(kein Name)</translation>
    </message>
    <message>
        <source>✔ verified</source>
        <translation>✔ verifiziert</translation>
    </message>
    <message>
        <source>[UNVERIFIED]</source>
        <translation>[UNVERIFIZIERT]</translation>
    </message>
    <message>
        <source>Both grades predict a direct connection.</source>
        <translation>Beide Noten sagen eine direkte Verbindung voraus.</translation>
    </message>
    <message>
        <source>Both grades predict a relayed connection.</source>
        <translation>Beide Noten sagen eine Verbindung über Relay voraus.</translation>
    </message>
    <message>
        <source>Remembered addresses: %1</source>
        <translation>Gemerkte Adressen: %1</translation>
    </message>
    <message>
        <source>connected since %1</source>
        <translation>verbunden seit %1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
</context>
<context>
    <name>PeersWindow</name>
    <message>
        <source>peer-up</source>
        <translation>peer-up</translation>
    </message>
    <message>
        <source>peer-up peers window</source>
        <translation>peer-up-Peerfenster</translation>
    </message>
    <message>
        <source>This device&apos;s name</source>
        <translation>Name dieses Geräts</translation>
    </message>
    <message>
        <source>This device&apos;s peer ID</source>
        <translation>Peer-ID dieses Geräts</translation>
    </message>
    <message>
        <source>&amp;Copy peer ID</source>
        <translation>Peer-ID &amp;kopieren</translation>
    </message>
    <message>
        <source>Copy this device&apos;s peer ID</source>
        <translation>Peer-ID dieses Geräts kopieren</translation>
    </message>
    <message>
        <source>Reachability grade</source>
        <translation>Erreichbarkeitsnote</translation>
    </message>
    <message>
        <source>Relays</source>
        <translation>Relays</translation>
    </message>
    <message>
        <source>QR code of this device&apos;s peer ID</source>
        <translation>QR-Code der Peer-ID dieses Geräts</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Peers</translation>
    </message>
    <message>
        <source>No peers yet. Run peerup invite here and peerup join &lt;code&gt; on the other device.</source>
        <translation>Noch keine Peers. Hier peerup invite und auf dem anderen Gerät peerup join &lt;Code&gt; ausführen.</translation>
    </message>
    <message>
        <source>No peers yet</source>
        <translation>Noch keine Peers</translation>
    </message>
    <message>
        <source>&amp;Rename…</source>
        <translation>&amp;Umbenennen…</translation>
    </message>
    <message>
        <source>&amp;Ping</source>
        <translation>&amp;Ping</translation>
    </message>
    <message>
        <source>&amp;Verify…</source>
        <translation>&amp;Verifizieren…</translation>
    </message>
    <message>
        <source>Re&amp;move…</source>
        <translation>&amp;Entfernen…</translation>
    </message>
    <message>
        <source>Copy I&amp;D</source>
        <translation>I&amp;D kopieren</translation>
    </message>
    <message>
        <source>Rename the selected peer</source>
        <translation>Den gewählten Peer umbenennen</translation>
    </message>
    <message>
        <source>Ping the selected peer</source>
        <translation>Den gewählten Peer anpingen</translation>
    </message>
    <message>
        <source>Verify the selected peer</source>
        <translation>Den gewählten Peer verifizieren</translation>
    </message>
    <message>
        <source>Remove the selected peer</source>
        <translation>Den gewählten Peer entfernen</translation>
    </message>
    <message>
        <source>Copy the selected peer&apos;s ID</source>
        <translation>Die ID des gewählten Peers kopieren</translation>
    </message>
    <message>
        <source>Result of the last action</source>
        <translation>Ergebnis der letzten Aktion</translation>
    </message>
    <message>
        <source>Pr&amp;eferences…</source>
        <translation>Ein&amp;stellungen…</translation>
    </message>
    <message>
        <source>Preferences: name, relays, network, notifications, language</source>
        <translation>Einstellungen: Name, Relays, Netzwerk, Benachrichtigungen, Sprache</translation>
    </message>
    <message>
        <source>This device: %1</source>
        <translation>Dieses Gerät: %1</translation>
    </message>
    <message>
        <source>Not connected to peer-up&apos;s engine.</source>
        <translation>Nicht mit der Engine von peer-up verbunden.</translation>
    </message>
    <message>
        <source>Reachability: not probed yet</source>
        <translation>Erreichbarkeit: noch nicht geprüft</translation>
    </message>
    <message>
        <source>Reachability %1: %2</source>
        <translation>Erreichbarkeit %1: %2</translation>
    </message>
    <message>
        <source>Relays: none configured</source>
        <translation>Relays: keine eingerichtet</translation>
    </message>
    <message>
        <source>reserved</source>
        <translation>reserviert</translation>
    </message>
    <message>
        <source>no reservation</source>
        <translation>keine Reservierung</translation>
    </message>
    <message>
        <source>Relays: %1</source>
        <translation>Relays: %1</translation>
    </message>
    <message>
        <source>Actions on %1</source>
        <translation>Aktionen für %1</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>Umbenennen…</translation>
    </message>
    <message>
        <source>Ping</source>
        <translation>Ping</translation>
    </message>
    <message>
        <source>Verify…</source>
        <translation>Verifizieren…</translation>
    </message>
    <message>
        <source>Copy peer ID</source>
        <translation>Peer-ID kopieren</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>Entfernen…</translation>
    </message>
    <message>
        <source>Rename peer</source>
        <translation>Peer umbenennen</translation>
    </message>
    <message>
        <source>New name for %1:</source>
        <translation>Neuer Name für %1:</translation>
    </message>
    <message>
        <source>Pinging %1…</source>
        <translation>Pinge %1 an…</translation>
    </message>
    <message>
        <source>Remove peer</source>
        <translation>Peer entfernen</translation>
    </message>
    <message>
        <source>Remove %1? It will no longer be able to reach this device, and its connections close.</source>
        <translation>%1 entfernen? Der Peer kann dieses Gerät dann nicht mehr erreichen, und seine Verbindungen werden geschlossen.</translation>
    </message>
    <message>
        <source>Verify %1</source>
        <translation>%1 verifizieren</translation>
    </message>
    <message>
        <source>To verify this peer, run this command on both devices and compare the emoji:</source>
        <translation>Um diesen Peer zu verifizieren, diesen Befehl auf beiden Geräten ausführen und die Emoji vergleichen:</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Verify peer</source>
        <translation>Peer verifizieren</translation>
    </message>
    <message>
        <source>Copied.</source>
        <translation>Kopiert.</translation>
    </message>
    <message>
        <source>%1 did not answer.</source>
        <translation>%1 hat nicht geantwortet.</translation>
    </message>
    <message>
        <source>%1 answered in %2 ms.</source>
        <translation>%1 hat in %2 ms geantwortet.</translation>
    </message>
    <message>
        <source>Renamed to %1.</source>
        <translation>Umbenannt in %1.</translation>
    </message>
    <message>
        <source>Removed %1.</source>
        <translation>%1 entfernt.</translation>
    </message>
</context>
<context>
    <name>Preferences</name>
    <message>
        <source>peer-up Preferences</source>
        <translation>peer-up-Einstellungen</translation>
    </message>
    <message>
        <source>Preference pages</source>
        <translation>Seiten der Einstellungen</translation>
    </message>
    <message>
        <source>&amp;General</source>
        <translation>&amp;Allgemein</translation>
    </message>
    <message>
        <source>&amp;Relays</source>
        <translation>&amp;Relays</translation>
    </message>
    <message>
        <source>Ne&amp;twork</source>
        <translation>Ne&amp;tzwerk</translation>
    </message>
    <message>
        <source>Noti&amp;fications</source>
        <translation>&amp;Benachrichtigungen</translation>
    </message>
    <message>
        <source>Changes apply at once; there is nothing to save.</source>
        <translation>Änderungen gelten sofort; speichern ist nicht nötig.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Device &amp;name:</source>
        <translation>Geräte&amp;name:</translation>
    </message>
    <message>
        <source>This device&apos;s name</source>
        <translation>Name dieses Geräts</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>&amp;Übernehmen</translation>
    </message>
    <message>
        <source>Apply the device name</source>
        <translation>Gerätenamen übernehmen</translation>
    </message>
    <message>
        <source>What other devices see when you pair with them. Press Enter or Apply.</source>
        <translation>So sehen andere Geräte dieses Gerät beim Koppeln. Mit der Eingabetaste oder „Übernehmen“ bestätigen.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>S&amp;prache:</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Sprache des Systems</translation>
    </message>
    <message>
        <source>The language of peer-up</source>
        <translation>Die Sprache von peer-up</translation>
    </message>
    <message>
        <source>The tray menu and the open windows switch at once.</source>
        <translation>Das Menü im Infobereich und die offenen Fenster wechseln sofort.</translation>
    </message>
    <message>
        <source>&amp;Start peer-up when you log in</source>
        <translation>peer-up beim Anmelden &amp;starten</translation>
    </message>
    <message>
        <source>Adds peer-up to your desktop&apos;s startup programs (%1).</source>
        <translation>Trägt peer-up in die Autostart-Programme Ihres Desktops ein (%1).</translation>
    </message>
    <message>
        <source>Relays</source>
        <translation>Relays</translation>
    </message>
    <message>
        <source>A relay lets your devices reach this one from outside your network. This device keeps a reservation on each.</source>
        <translation>Über ein Relay erreichen Ihre Geräte dieses auch von außerhalb Ihres Netzwerks. Dieses Gerät hält auf jedem eine Reservierung.</translation>
    </message>
    <message>
        <source>No relays. On one LAN you need none; to reach this device from outside, add one.</source>
        <translation>Keine Relays. Im selben LAN braucht es keines; damit dieses Gerät von außen erreichbar ist, fügen Sie eines hinzu.</translation>
    </message>
    <message>
        <source>Remo&amp;ve…</source>
        <translation>Ent&amp;fernen…</translation>
    </message>
    <message>
        <source>Remove the selected relay</source>
        <translation>Das gewählte Relay entfernen</translation>
    </message>
    <message>
        <source>Add a relay &amp;address:</source>
        <translation>Neue Relay-Adr&amp;esse:</translation>
    </message>
    <message>
        <source>/ip4/…/tcp/7777/p2p/12D3KooW… or text from the relay</source>
        <translation>/ip4/…/tcp/7777/p2p/12D3KooW… oder Text vom Relay</translation>
    </message>
    <message>
        <source>The new relay&apos;s address</source>
        <translation>Die Adresse des neuen Relays</translation>
    </message>
    <message>
        <source>The relay&apos;s address, as peerup relay info on the relay prints it (or its QR code holds). You may paste the whole output, a peerup relay add line, or a pairing code from peerup relay pair.</source>
        <translation>Die Adresse des Relays, wie peerup relay info auf dem Relay sie ausgibt (oder sein QR-Code sie enthält). Sie können die ganze Ausgabe einfügen, eine Zeile peerup relay add oder einen Kopplungscode von peerup relay pair.</translation>
    </message>
    <message>
        <source>A&amp;dd</source>
        <translation>Hin&amp;zufügen</translation>
    </message>
    <message>
        <source>Add the relay</source>
        <translation>Das Relay hinzufügen</translation>
    </message>
    <message>
        <source>Private &amp;network:</source>
        <translation>Privates &amp;Netzwerk:</translation>
    </message>
    <message>
        <source>empty: the global network</source>
        <translation>leer: das globale Netzwerk</translation>
    </message>
    <message>
        <source>Private network name</source>
        <translation>Name des privaten Netzwerks</translation>
    </message>
    <message>
        <source>A&amp;pply</source>
        <translation>&amp;Übernehmen</translation>
    </message>
    <message>
        <source>Apply the private network name</source>
        <translation>Namen des privaten Netzwerks übernehmen</translation>
    </message>
    <message>
        <source>Devices look each other up only among those with the same network name. Leave it empty to use the global network.</source>
        <translation>Geräte finden einander nur unter denen mit demselben Netzwerknamen. Leer lassen für das globale Netzwerk.</translation>
    </message>
    <message>
        <source>&amp;LAN discovery (mDNS)</source>
        <translation>&amp;LAN-Erkennung (mDNS)</translation>
    </message>
    <message>
        <source>Finds your devices on this network without a relay; announces this device&apos;s peer ID on the network.</source>
        <translation>Findet Ihre Geräte in diesem Netzwerk ohne Relay; macht dazu die Peer-ID dieses Geräts im Netzwerk bekannt.</translation>
    </message>
    <message>
        <source>Port &amp;mapping (UPnP / NAT-PMP)</source>
        <translation>&amp;Portfreigabe (UPnP / NAT-PMP)</translation>
    </message>
    <message>
        <source>Asks your router to forward a port to peer-up, which can make this device directly reachable.</source>
        <translation>Bittet Ihren Router, einen Port an peer-up weiterzuleiten; so kann dieses Gerät direkt erreichbar werden.</translation>
    </message>
    <message>
        <source>&amp;Hole punching</source>
        <translation>&amp;Hole Punching</translation>
    </message>
    <message>
        <source>Turns a relayed connection into a direct one when both sides&apos; routers allow it.</source>
        <translation>Macht aus einer Verbindung über ein Relay eine direkte, wenn die Router beider Seiten es zulassen.</translation>
    </message>
    <message>
        <source>Show a desktop notification when:</source>
        <translation>Eine Desktop-Benachrichtigung zeigen, wenn:</translation>
    </message>
    <message>
        <source>peer-up&apos;s engine is not running: the device name and the network settings can be changed once it runs.</source>
        <translation>Die Engine von peer-up läuft nicht: Gerätename und Netzwerkeinstellungen lassen sich ändern, sobald sie läuft.</translation>
    </message>
    <message>
        <source>Added the relay %1. This device asks it for a reservation now; the list shows how that goes.</source>
        <translation>Relay %1 hinzugefügt. Dieses Gerät bittet es jetzt um eine Reservierung; die Liste zeigt, wie das ausgeht.</translation>
    </message>
    <message>
        <source>Remove relay</source>
        <translation>Relay entfernen</translation>
    </message>
    <message>
        <source>Stop using the relay %1? Devices outside your network may no longer reach this one.</source>
        <translation>Relay %1 nicht mehr verwenden? Geräte außerhalb Ihres Netzwerks erreichen dieses dann womöglich nicht mehr.</translation>
    </message>
    <message>
        <source>Removed the relay %1.</source>
        <translation>Relay %1 entfernt.</translation>
    </message>
</context>
<context>
    <name>Reachability</name>
    <message>
        <source>enable UPnP or NAT-PMP on your router, or forward peer-up&apos;s port to this machine</source>
        <translation>UPnP oder NAT-PMP am Router einschalten oder den Port von peer-up an diesen Rechner weiterleiten</translation>
    </message>
    <message>
        <source>To be reachable from outside your network, add a relay both devices can reach: peerup relay add &lt;address&gt; (run one with peerup relay serve on a machine with a public address).</source>
        <translation>Um von außerhalb Ihres Netzes erreichbar zu sein, ein Relay hinzufügen, das beide Geräte erreichen: peerup relay add &lt;Adresse&gt; (eines betreiben mit peerup relay serve auf einem Rechner mit öffentlicher Adresse).</translation>
    </message>
    <message>
        <source>Check that the relay in your config is running and reachable (peerup relay list).</source>
        <translation>Prüfen, ob das Relay aus Ihrer Konfiguration läuft und erreichbar ist (peerup relay list).</translation>
    </message>
    <message>
        <source>Allow outbound UDP on your network, or %1.</source>
        <translation>Ausgehendes UDP in Ihrem Netz erlauben, oder %1.</translation>
    </message>
    <message>
        <source>For grade A, %1.</source>
        <translation>Für Note A: %1.</translation>
    </message>
    <message>
        <source>No network connection: this machine has no address beyond loopback and link-local.</source>
        <translation>Keine Netzwerkverbindung: Dieser Rechner hat außer Loopback und Link-Local keine Adresse.</translation>
    </message>
    <message>
        <source>Connect to a network; peer-up checks again as soon as an address appears.</source>
        <translation>Mit einem Netzwerk verbinden; peer-up prüft erneut, sobald eine Adresse da ist.</translation>
    </message>
    <message>
        <source>Publicly dialable: a peer outside reached your public address.</source>
        <translation>Öffentlich erreichbar: Ein Peer von außen hat Ihre öffentliche Adresse erreicht.</translation>
    </message>
    <message>
        <source>Publicly dialable: your router forwards a port (UPnP/NAT-PMP) and a peer outside reached it.</source>
        <translation>Öffentlich erreichbar: Ihr Router leitet einen Port weiter (UPnP/NAT-PMP), und ein Peer von außen hat ihn erreicht.</translation>
    </message>
    <message>
        <source>Publicly dialable: a peer outside reached you.</source>
        <translation>Öffentlich erreichbar: Ein Peer von außen hat Sie erreicht.</translation>
    </message>
    <message>
        <source>Peers cannot reach you: you have no public address confirmed and no relay reservation.</source>
        <translation>Peers können Sie nicht erreichen: Sie haben keine bestätigte öffentliche Adresse und keine Relay-Reservierung.</translation>
    </message>
    <message>
        <source>Check the relay addresses in your config and that the relay is running.</source>
        <translation>Die Relay-Adressen in Ihrer Konfiguration prüfen und ob das Relay läuft.</translation>
    </message>
    <message>
        <source>Peers cannot reach you: you have no public address confirmed and no relay configured.</source>
        <translation>Peers können Sie nicht erreichen: Sie haben keine bestätigte öffentliche Adresse und kein Relay eingerichtet.</translation>
    </message>
    <message>
        <source>Reachable on your network only: peers on your LAN are connected to you directly, but nobody outside can reach you: no public address is confirmed and no relay is configured.</source>
        <translation>Nur in Ihrem Netz erreichbar: Peers in Ihrem LAN sind direkt verbunden, aber von außen erreicht Sie niemand: Keine öffentliche Adresse ist bestätigt und kein Relay eingerichtet.</translation>
    </message>
    <message>
        <source>Reachable on your network only: peers on your LAN are connected to you directly, but nobody outside can reach you: no public address is confirmed and your relay holds no reservation for you.</source>
        <translation>Nur in Ihrem Netz erreichbar: Peers in Ihrem LAN sind direkt verbunden, aber von außen erreicht Sie niemand: Keine öffentliche Adresse ist bestätigt und Ihr Relay hält keine Reservierung für Sie.</translation>
    </message>
    <message>
        <source>Your ISP shares one public IPv4 address among many customers (CGNAT) and you have no IPv6; peers reach you through the relay.</source>
        <translation>Ihr Anbieter teilt eine öffentliche IPv4-Adresse unter vielen Kunden (CGNAT), und Sie haben kein IPv6; Peers erreichen Sie über das Relay.</translation>
    </message>
    <message>
        <source>Ask your ISP for a public IPv4 address, or use IPv6.</source>
        <translation>Ihren Anbieter nach einer öffentlichen IPv4-Adresse fragen oder IPv6 nutzen.</translation>
    </message>
    <message>
        <source>UDP is blocked or mapped per destination, but your TCP port keeps one mapping for every destination; direct connections work over TCP only.</source>
        <translation>UDP ist gesperrt oder wird je Ziel umgesetzt, aber Ihr TCP-Port behält eine Zuordnung für alle Ziele; direkte Verbindungen gehen nur über TCP.</translation>
    </message>
    <message>
        <source>Your network blocks UDP and your NAT cannot be measured; peers reach you through the relay.</source>
        <translation>Ihr Netz sperrt UDP, und Ihr NAT lässt sich nicht vermessen; Peers erreichen Sie über das Relay.</translation>
    </message>
    <message>
        <source>You have a public address, but no peer outside has confirmed reaching it yet.</source>
        <translation>Sie haben eine öffentliche Adresse, aber noch kein Peer von außen hat sie erreicht.</translation>
    </message>
    <message>
        <source>Make sure your firewall allows inbound connections to peer-up&apos;s port.</source>
        <translation>Sicherstellen, dass Ihre Firewall eingehende Verbindungen zum Port von peer-up erlaubt.</translation>
    </message>
    <message>
        <source>No NAT between you and the STUN servers; direct connections work by hole punching.</source>
        <translation>Kein NAT zwischen Ihnen und den STUN-Servern; direkte Verbindungen gelingen per Hole Punching.</translation>
    </message>
    <message>
        <source>Your NAT keeps one mapping for every destination; direct connections work by hole punching.</source>
        <translation>Ihr NAT behält eine Zuordnung für alle Ziele; direkte Verbindungen gelingen per Hole Punching.</translation>
    </message>
    <message>
        <source>Your NAT picks a new port for every destination (symmetric NAT), which defeats hole punching; connections use the relay.</source>
        <translation>Ihr NAT wählt für jedes Ziel einen neuen Port (symmetrisches NAT), was Hole Punching verhindert; Verbindungen laufen über das Relay.</translation>
    </message>
    <message>
        <source>To get direct connections, %1.</source>
        <translation>Für direkte Verbindungen: %1.</translation>
    </message>
    <message>
        <source>No STUN servers configured, so how your NAT behaves is unknown; expect relayed connections.</source>
        <translation>Keine STUN-Server eingerichtet, daher ist das Verhalten Ihres NAT unbekannt; Verbindungen laufen voraussichtlich über ein Relay.</translation>
    </message>
    <message>
        <source>Add two STUN servers on different IP addresses to your config.</source>
        <translation>Zwei STUN-Server mit verschiedenen IP-Adressen in Ihre Konfiguration eintragen.</translation>
    </message>
    <message>
        <source>Too few STUN servers answered to tell how your NAT maps ports; expect relayed connections.</source>
        <translation>Zu wenige STUN-Server haben geantwortet, um zu sagen, wie Ihr NAT Ports zuordnet; Verbindungen laufen voraussichtlich über ein Relay.</translation>
    </message>
    <message>
        <source>Configure at least two STUN servers on different IP addresses.</source>
        <translation>Mindestens zwei STUN-Server mit verschiedenen IP-Adressen einrichten.</translation>
    </message>
</context>
<context>
    <name>Relays</name>
    <message>
        <source>Reserved</source>
        <translation>Reserviert</translation>
    </message>
    <message>
        <source>Reserved until %1</source>
        <translation>Reserviert bis %1</translation>
    </message>
    <message>
        <source>Reserving a slot…</source>
        <translation>Reserviere einen Platz…</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>Relay</translation>
    </message>
    <message>
        <source>Reservation</source>
        <translation>Reservierung</translation>
    </message>
</context>
<context>
    <name>SasPanel</name>
    <message>
        <source>Compare with the other device. Read the words aloud: they must be the same, in the same order.</source>
        <translation>Vergleichen Sie mit dem anderen Gerät. Lesen Sie die Wörter laut vor: Sie müssen gleich sein, in derselben Reihenfolge.</translation>
    </message>
    <message>
        <source>They &amp;match</source>
        <translation>Sie &amp;stimmen überein</translation>
    </message>
    <message>
        <source>They &amp;don&apos;t match</source>
        <translation>Sie stimmen &amp;nicht überein</translation>
    </message>
    <message>
        <source>Or compare the numbers: %1</source>
        <translation>Oder vergleichen Sie die Zahlen: %1</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>peer-up</source>
        <translation>peer-up</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Peers</translation>
    </message>
    <message>
        <source>Forwards</source>
        <translation>Weiterleitungen</translation>
    </message>
    <message>
        <source>Copy command</source>
        <translation>Befehl kopieren</translation>
    </message>
    <message>
        <source>Open peer-up…</source>
        <translation>peer-up öffnen…</translation>
    </message>
    <message>
        <source>Invite a device…</source>
        <translation>Gerät einladen…</translation>
    </message>
    <message>
        <source>Join with a code…</source>
        <translation>Mit einem Code beitreten…</translation>
    </message>
    <message>
        <source>Port forwards…</source>
        <translation>Portweiterleitungen…</translation>
    </message>
    <message>
        <source>Preferences…</source>
        <translation>Einstellungen…</translation>
    </message>
    <message>
        <source>Test reachability now</source>
        <translation>Erreichbarkeit jetzt prüfen</translation>
    </message>
    <message>
        <source>Copy diagnostics</source>
        <translation>Diagnose kopieren</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pausieren</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message numerus="yes">
        <source>%n peer(s)</source>
        <translation>
            <numerusform>%n Peer</numerusform>
            <numerusform>%n Peers</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 direct, %2 relayed</source>
        <translation>%1 direkt, %2 über Relay</translation>
    </message>
    <message>
        <source>Reachability %1</source>
        <translation>Erreichbarkeit %1</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Pausiert</translation>
    </message>
    <message>
        <source>Offline: the peer-up engine is not running</source>
        <translation>Offline: Die Engine von peer-up läuft nicht</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde…</translation>
    </message>
    <message>
        <source>A peer&apos;s key changed</source>
        <translation>Der Schlüssel eines Peers hat sich geändert</translation>
    </message>
    <message>
        <source>A peer asks to verify</source>
        <translation>Ein Peer möchte verifizieren</translation>
    </message>
    <message>
        <source>A forward failed</source>
        <translation>Eine Weiterleitung ist fehlgeschlagen</translation>
    </message>
    <message numerus="yes">
        <source>%n unverified peer(s)</source>
        <translation>
            <numerusform>%n unverifizierter Peer</numerusform>
            <numerusform>%n unverifizierte Peers</numerusform>
        </translation>
    </message>
    <message>
        <source>Direct</source>
        <translation>Direkt</translation>
    </message>
    <message>
        <source>Relayed</source>
        <translation>Über Relay</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>[UNVERIFIED]</source>
        <translation>[UNVERIFIZIERT]</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>startet</translation>
    </message>
    <message>
        <source>listening</source>
        <translation>lauscht</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>geschlossen</translation>
    </message>
</context>
</TS>
