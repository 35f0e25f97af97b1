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
    <name>BusyRow</name>
    <message>
        <source>What is under way</source>
        <translation>Was gerade läuft</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancel what is under way</source>
        <translation>Abbrechen, was gerade läuft</translation>
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
        <source>It exists already.</source>
        <translation>Das gibt es schon.</translation>
    </message>
    <message>
        <source>The address is in use.</source>
        <translation>Die Adresse ist belegt.</translation>
    </message>
    <message>
        <source>That address is not valid.</source>
        <translation>Diese Adresse ist ungültig.</translation>
    </message>
    <message>
        <source>Another forward uses this address.</source>
        <translation>Eine andere Weiterleitung nutzt diese Adresse.</translation>
    </message>
    <message>
        <source>Only the administrator may listen there (ports below 1024).</source>
        <translation>Dort darf nur der Administrator lauschen (Ports unter 1024).</translation>
    </message>
    <message>
        <source>This device has no such address.</source>
        <translation>Dieses Gerät hat keine solche Adresse.</translation>
    </message>
    <message>
        <source>No such host.</source>
        <translation>Diesen Host gibt es nicht.</translation>
    </message>
    <message>
        <source>peer-up cannot listen there.</source>
        <translation>peer-up kann dort nicht lauschen.</translation>
    </message>
    <message>
        <source>The connection was refused: no program listens on that port.</source>
        <translation>Die Verbindung wurde abgelehnt: Kein Programm lauscht auf diesem Port.</translation>
    </message>
    <message>
        <source>No answer in time.</source>
        <translation>Keine rechtzeitige Antwort.</translation>
    </message>
    <message>
        <source>That address cannot be reached.</source>
        <translation>Diese Adresse ist nicht erreichbar.</translation>
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
        <source>This forward is not saved, so it cannot be stopped: remove it instead.</source>
        <translation>Diese Weiterleitung ist nicht gespeichert und kann daher nicht angehalten werden: Entfernen Sie sie stattdessen.</translation>
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
        <source>The peer admits only verified peers: verify each other first (compare the emoji).</source>
        <translation>Der Peer lässt nur verifizierte Peers zu: Verifizieren Sie sich zuerst gegenseitig (vergleichen Sie die Emoji).</translation>
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
    <name>Forwards</name>
    <message>
        <source>%1 %2/s</source>
        <translation>%1 %2/s</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>angehalten</translation>
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
        <source>closed</source>
        <translation>geschlossen</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>offline</translation>
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
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>Local address</source>
        <translation>Lokale Adresse</translation>
    </message>
    <message>
        <source>Peer / service</source>
        <translation>Peer / Dienst</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Verifiziert</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>Rate</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>Übertragen</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
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
        <source>%1 active, %2 since it opened</source>
        <translation>%1 aktiv, %2 seit dem Öffnen</translation>
    </message>
    <message numerus="yes">
        <source>%n error(s); the last one: %1</source>
        <translation>
            <numerusform>%n Fehler; der letzte: %1</numerusform>
            <numerusform>%n Fehler; der letzte: %1</numerusform>
        </translation>
    </message>
    <message>
        <source>%1; kept in the config: it opens again at every start</source>
        <translation>%1; in der Konfiguration gespeichert: öffnet sich bei jedem Start wieder</translation>
    </message>
    <message>
        <source>Add a forward</source>
        <translation>Weiterleitung hinzufügen</translation>
    </message>
    <message>
        <source>Change forward %1</source>
        <translation>Weiterleitung %1 ändern</translation>
    </message>
    <message>
        <source>Reach a service on another device at an address on this one. The forward stays across restarts.</source>
        <translation>Erreichen Sie einen Dienst auf einem anderen Gerät unter einer Adresse auf diesem. Die Weiterleitung bleibt auch nach einem Neustart bestehen.</translation>
    </message>
    <message>
        <source>Peer</source>
        <translation>Peer</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <source>for example: ssh</source>
        <translation>zum Beispiel: ssh</translation>
    </message>
    <message>
        <source>The peer&apos;s services</source>
        <translation>Die Dienste des Peers</translation>
    </message>
    <message>
        <source>Local address check</source>
        <translation>Prüfung der lokalen Adresse</translation>
    </message>
    <message>
        <source>&amp;Peer:</source>
        <translation>&amp;Peer:</translation>
    </message>
    <message>
        <source>Ser&amp;vice:</source>
        <translation>&amp;Dienst:</translation>
    </message>
    <message>
        <source>&amp;Local address:</source>
        <translation>&amp;Lokale Adresse:</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>No peers yet: pair a device first (tray ▸ Invite a device…), then forward to its services.</source>
        <translation>Noch keine Peers: Koppeln Sie zuerst ein Gerät (Infobereich ▸ Gerät einladen…) und leiten Sie dann an seine Dienste weiter.</translation>
    </message>
    <message>
        <source>Asking %1 which services it offers…</source>
        <translation>Frage %1, welche Dienste es anbietet…</translation>
    </message>
    <message>
        <source>%1 offers you no services; you can still type a name.</source>
        <translation>%1 bietet Ihnen keine Dienste an; Sie können trotzdem einen Namen eingeben.</translation>
    </message>
    <message>
        <source>%1 offers: %2</source>
        <translation>%1 bietet an: %2</translation>
    </message>
    <message>
        <source>Could not ask %1 for its services; type the service&apos;s name.</source>
        <translation>%1 konnte nicht nach seinen Diensten gefragt werden; geben Sie den Namen des Dienstes ein.</translation>
    </message>
    <message>
        <source>This forward&apos;s address.</source>
        <translation>Die Adresse dieser Weiterleitung.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Wird geprüft…</translation>
    </message>
    <message>
        <source>✔ Free.</source>
        <translation>✔ Frei.</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>Belegt</translation>
    </message>
    <message>
        <source>Another forward uses it</source>
        <translation>Eine andere Weiterleitung nutzt sie</translation>
    </message>
    <message>
        <source>%1 — use %2?</source>
        <translation>%1 — %2 verwenden?</translation>
    </message>
    <message>
        <source>&amp;Use %1</source>
        <translation>%1 &amp;verwenden</translation>
    </message>
    <message>
        <source>Choose or type a service.</source>
        <translation>Wählen Sie einen Dienst oder geben Sie einen ein.</translation>
    </message>
    <message>
        <source>Enter a local address.</source>
        <translation>Geben Sie eine lokale Adresse ein.</translation>
    </message>
    <message>
        <source>Opening the forward to %1…</source>
        <translation>Weiterleitung zu %1 wird geöffnet…</translation>
    </message>
    <message>
        <source>Port forwards — peer-up</source>
        <translation>Portweiterleitungen — peer-up</translation>
    </message>
    <message>
        <source>Port forwards</source>
        <translation>Portweiterleitungen</translation>
    </message>
    <message>
        <source>Forwards</source>
        <translation>Weiterleitungen</translation>
    </message>
    <message>
        <source>No forwards yet. Add one to reach a service on another device (its ssh, a web page…) at an address on this one.</source>
        <translation>Noch keine Weiterleitungen. Fügen Sie eine hinzu, um einen Dienst auf einem anderen Gerät (sein ssh, eine Webseite…) unter einer Adresse auf diesem zu erreichen.</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>&amp;Hinzufügen…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten…</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>&amp;Anhalten</translation>
    </message>
    <message>
        <source>&amp;Copy command</source>
        <translation>Befehl &amp;kopieren</translation>
    </message>
    <message>
        <source>&amp;Remove…</source>
        <translation>&amp;Entfernen…</translation>
    </message>
    <message>
        <source>Change the selected forward</source>
        <translation>Die ausgewählte Weiterleitung ändern</translation>
    </message>
    <message>
        <source>Stop or start the selected forward</source>
        <translation>Die ausgewählte Weiterleitung anhalten oder starten</translation>
    </message>
    <message>
        <source>Copy the command that uses the forward</source>
        <translation>Den Befehl kopieren, der die Weiterleitung nutzt</translation>
    </message>
    <message>
        <source>Remove the selected forward</source>
        <translation>Die ausgewählte Weiterleitung entfernen</translation>
    </message>
    <message>
        <source>Result of the last action</source>
        <translation>Ergebnis der letzten Aktion</translation>
    </message>
    <message>
        <source>&amp;Forwards</source>
        <translation>&amp;Weiterleitungen</translation>
    </message>
    <message>
        <source>E&amp;xposed services</source>
        <translation>&amp;Freigegebene Dienste</translation>
    </message>
    <message>
        <source>Not connected to peer-up&apos;s engine.</source>
        <translation>Nicht mit der Engine von peer-up verbunden.</translation>
    </message>
    <message>
        <source>S&amp;tart</source>
        <translation>&amp;Starten</translation>
    </message>
    <message>
        <source>Actions on %1</source>
        <translation>Aktionen für %1</translation>
    </message>
    <message>
        <source>Copy command</source>
        <translation>Befehl kopieren</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Bearbeiten…</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>Entfernen…</translation>
    </message>
    <message>
        <source>Starting %1…</source>
        <translation>%1 wird gestartet…</translation>
    </message>
    <message>
        <source>Stopping %1…</source>
        <translation>%1 wird angehalten…</translation>
    </message>
    <message>
        <source>Copied: %1</source>
        <translation>Kopiert: %1</translation>
    </message>
    <message>
        <source>Remove forward</source>
        <translation>Weiterleitung entfernen</translation>
    </message>
    <message>
        <source>Remove the forward from %1 to %2? Its connections close, and it does not open again at the next start.</source>
        <translation>Die Weiterleitung von %1 zu %2 entfernen? Ihre Verbindungen werden geschlossen, und sie öffnet sich beim nächsten Start nicht wieder.</translation>
    </message>
    <message>
        <source>Removing %1…</source>
        <translation>%1 wird entfernt…</translation>
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
        <source>Preferences</source>
        <translation>Einstellungen</translation>
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
        <source>&amp;Notifications</source>
        <translation>&amp;Benachrichtigungen</translation>
    </message>
    <message>
        <source>Which notifications to show</source>
        <translation>Welche Benachrichtigungen erscheinen</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Sprache</translation>
    </message>
    <message>
        <source>The language of peer-up</source>
        <translation>Die Sprache von peer-up</translation>
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
    <message>
        <source>System language</source>
        <translation>Sprache des Systems</translation>
    </message>
    <message>
        <source>The language changes at the next start.</source>
        <translation>Die Sprache wechselt beim nächsten Start.</translation>
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
    <name>Services</name>
    <message>
        <source>all authorized peers</source>
        <translation>alle autorisierten Peers</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Local address</source>
        <translation>Lokale Adresse</translation>
    </message>
    <message>
        <source>Who may use it</source>
        <translation>Wer ihn nutzen darf</translation>
    </message>
    <message>
        <source>Verified peers only</source>
        <translation>Nur verifizierte Peers</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Aktiviert</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>aktiviert</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>%1 active, %2 since it was exposed</source>
        <translation>%1 aktiv, %2 seit der Freigabe</translation>
    </message>
    <message>
        <source>Only peers whose key a person verified (the emoji) may use it.</source>
        <translation>Nur Peers, deren Schlüssel ein Mensch verifiziert hat (die Emoji), dürfen ihn nutzen.</translation>
    </message>
    <message>
        <source>%1  ✔ verified</source>
        <translation>%1  ✔ verifiziert</translation>
    </message>
    <message>
        <source>%1  [UNVERIFIED]</source>
        <translation>%1  [UNVERIFIZIERT]</translation>
    </message>
    <message>
        <source>✔ Something answers at %1.</source>
        <translation>✔ Unter %1 antwortet etwas.</translation>
    </message>
    <message>
        <source>Nothing answers at %1.</source>
        <translation>Unter %1 antwortet nichts.</translation>
    </message>
    <message>
        <source>Expose a service</source>
        <translation>Dienst freigeben</translation>
    </message>
    <message>
        <source>Change service %1</source>
        <translation>Dienst %1 ändern</translation>
    </message>
    <message>
        <source>Let your peers reach a service that runs on this device (a web server, ssh…). It stays exposed across restarts.</source>
        <translation>Lassen Sie Ihre Peers einen Dienst erreichen, der auf diesem Gerät läuft (einen Webserver, ssh…). Er bleibt auch nach einem Neustart freigegeben.</translation>
    </message>
    <message>
        <source>for example: web</source>
        <translation>zum Beispiel: web</translation>
    </message>
    <message>
        <source>Service name</source>
        <translation>Name des Dienstes</translation>
    </message>
    <message>
        <source>for example: localhost:8080</source>
        <translation>zum Beispiel: localhost:8080</translation>
    </message>
    <message>
        <source>Local address of the service</source>
        <translation>Lokale Adresse des Dienstes</translation>
    </message>
    <message>
        <source>&amp;Test</source>
        <translation>&amp;Testen</translation>
    </message>
    <message>
        <source>Test that the service answers at its local address</source>
        <translation>Testen, ob der Dienst unter seiner lokalen Adresse antwortet</translation>
    </message>
    <message>
        <source>Test result</source>
        <translation>Testergebnis</translation>
    </message>
    <message>
        <source>&amp;All authorized peers</source>
        <translation>&amp;Alle autorisierten Peers</translation>
    </message>
    <message>
        <source>&amp;Only these peers:</source>
        <translation>N&amp;ur diese Peers:</translation>
    </message>
    <message>
        <source>Peers that may use the service</source>
        <translation>Peers, die den Dienst nutzen dürfen</translation>
    </message>
    <message>
        <source>Only &amp;verified peers (whose key you compared with the emoji)</source>
        <translation>Nur &amp;verifizierte Peers (deren Schlüssel Sie mit den Emoji verglichen haben)</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Local address:</source>
        <translation>&amp;Lokale Adresse:</translation>
    </message>
    <message>
        <source>Who may use it:</source>
        <translation>Wer ihn nutzen darf:</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Enter the service&apos;s local address.</source>
        <translation>Geben Sie die lokale Adresse des Dienstes ein.</translation>
    </message>
    <message>
        <source>Checking %1…</source>
        <translation>%1 wird geprüft…</translation>
    </message>
    <message>
        <source>Peers that use the service will get an error until something answers at its local address. You can save it anyway.</source>
        <translation>Peers, die den Dienst nutzen, erhalten einen Fehler, bis unter seiner lokalen Adresse etwas antwortet. Sie können ihn trotzdem speichern.</translation>
    </message>
    <message>
        <source>Save any&amp;way</source>
        <translation>Trotzdem &amp;speichern</translation>
    </message>
    <message>
        <source>E&amp;nable</source>
        <translation>&amp;Aktivieren</translation>
    </message>
    <message>
        <source>Give the service a name.</source>
        <translation>Geben Sie dem Dienst einen Namen.</translation>
    </message>
    <message>
        <source>✔ Something answers at %1 (%2 ms).</source>
        <translation>✔ Unter %1 antwortet etwas (%2 ms).</translation>
    </message>
    <message>
        <source>Tick the peers that may use it, or choose all peers.</source>
        <translation>Haken Sie die Peers an, die ihn nutzen dürfen, oder wählen Sie alle Peers.</translation>
    </message>
    <message>
        <source>Saving %1…</source>
        <translation>%1 wird gespeichert…</translation>
    </message>
    <message>
        <source>Exposed services</source>
        <translation>Freigegebene Dienste</translation>
    </message>
    <message>
        <source>No services exposed. Expose one to let your peers reach it (for example a web server on localhost:8080).</source>
        <translation>Keine Dienste freigegeben. Geben Sie einen frei, damit Ihre Peers ihn erreichen (zum Beispiel einen Webserver auf localhost:8080).</translation>
    </message>
    <message>
        <source>&amp;Expose…</source>
        <translation>Frei&amp;geben…</translation>
    </message>
    <message>
        <source>C&amp;hange…</source>
        <translation>&amp;Ändern…</translation>
    </message>
    <message>
        <source>&amp;Disable</source>
        <translation>&amp;Deaktivieren</translation>
    </message>
    <message>
        <source>&amp;Remove…</source>
        <translation>&amp;Entfernen…</translation>
    </message>
    <message>
        <source>Change the selected service</source>
        <translation>Den ausgewählten Dienst ändern</translation>
    </message>
    <message>
        <source>Enable or disable the selected service</source>
        <translation>Den ausgewählten Dienst aktivieren oder deaktivieren</translation>
    </message>
    <message>
        <source>Test that the selected service answers</source>
        <translation>Testen, ob der ausgewählte Dienst antwortet</translation>
    </message>
    <message>
        <source>Remove the selected service</source>
        <translation>Den ausgewählten Dienst entfernen</translation>
    </message>
    <message>
        <source>Actions on %1</source>
        <translation>Aktionen für %1</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>Ändern…</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Deaktivieren</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Aktivieren</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Testen</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>Entfernen…</translation>
    </message>
    <message>
        <source>Enabling %1…</source>
        <translation>%1 wird aktiviert…</translation>
    </message>
    <message>
        <source>Disabling %1…</source>
        <translation>%1 wird deaktiviert…</translation>
    </message>
    <message>
        <source>Remove service</source>
        <translation>Dienst entfernen</translation>
    </message>
    <message>
        <source>Remove %1? Peers can no longer reach it, and it is removed from the config.</source>
        <translation>%1 entfernen? Peers können ihn nicht mehr erreichen, und er wird aus der Konfiguration entfernt.</translation>
    </message>
    <message>
        <source>Removing %1…</source>
        <translation>%1 wird entfernt…</translation>
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
