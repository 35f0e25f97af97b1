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
    <name>ConfirmStep</name>
    <message>
        <source>Compare the emoji</source>
        <translation>Emoji vergleichen</translation>
    </message>
    <message>
        <source>If you close this window without answering, the device stays unverified; you can verify it later from the peers window.</source>
        <translation>Wenn Sie dieses Fenster ohne Antwort schließen, bleibt das Gerät unverifiziert; Sie können es später im Peers-Fenster verifizieren.</translation>
    </message>
    <message>
        <source>&amp;Remove this device</source>
        <translation>Dieses Gerät &amp;entfernen</translation>
    </message>
    <message>
        <source>Show &amp;peers</source>
        <translation>&amp;Peers anzeigen</translation>
    </message>
    <message>
        <source>“%1” was known with another key before: compare carefully.</source>
        <translation>„%1“ war bisher mit einem anderen Schlüssel bekannt: vergleichen Sie sorgfältig.</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Verifiziert</translation>
    </message>
    <message>
        <source>✓ “%1” is verified and in your peers list. It shows as [VERIFIED] on this device; the other device marks this one when its user answers too.</source>
        <translation>✓ „%1“ ist verifiziert und in Ihrer Peer-Liste. Auf diesem Gerät erscheint es als [VERIFIZIERT]; das andere Gerät markiert dieses, sobald auch dort jemand antwortet.</translation>
    </message>
    <message>
        <source>Not verified</source>
        <translation>Nicht verifiziert</translation>
    </message>
    <message>
        <source>The emoji differ: someone may have intercepted the code and be in the middle.</source>
        <translation>Die Emoji unterscheiden sich: Möglicherweise hat jemand den Code abgefangen und sitzt dazwischen.</translation>
    </message>
    <message>
        <source>“%1” stays unverified ([UNVERIFIED] everywhere) but can still connect to this device. Unless you know why the emoji differed, remove it and pair again with a new code, in person or over a call.</source>
        <translation>„%1“ bleibt unverifiziert (überall [UNVERIFIZIERT]), kann sich aber weiterhin mit diesem Gerät verbinden. Wenn Sie nicht wissen, warum sich die Emoji unterschieden, entfernen Sie es und koppeln Sie erneut mit einem neuen Code, persönlich oder während eines Anrufs.</translation>
    </message>
    <message>
        <source>&amp;Remove “%1”</source>
        <translation>„%1“ &amp;entfernen</translation>
    </message>
    <message>
        <source>“%1” was removed: it can no longer connect to this device.</source>
        <translation>„%1“ wurde entfernt: Es kann sich nicht mehr mit diesem Gerät verbinden.</translation>
    </message>
</context>
<context>
    <name>Emoji</name>
    <message>
        <source>Dog</source>
        <translation>Hund</translation>
    </message>
    <message>
        <source>Cat</source>
        <translation>Katze</translation>
    </message>
    <message>
        <source>Mouse</source>
        <translation>Maus</translation>
    </message>
    <message>
        <source>Hamster</source>
        <translation>Hamster</translation>
    </message>
    <message>
        <source>Rabbit</source>
        <translation>Hase</translation>
    </message>
    <message>
        <source>Fox</source>
        <translation>Fuchs</translation>
    </message>
    <message>
        <source>Bear</source>
        <translation>Bär</translation>
    </message>
    <message>
        <source>Panda</source>
        <translation>Panda</translation>
    </message>
    <message>
        <source>Koala</source>
        <translation>Koala</translation>
    </message>
    <message>
        <source>Tiger face</source>
        <translation>Tigerkopf</translation>
    </message>
    <message>
        <source>Lion</source>
        <translation>Löwe</translation>
    </message>
    <message>
        <source>Cow face</source>
        <translation>Kuhkopf</translation>
    </message>
    <message>
        <source>Pig face</source>
        <translation>Schweinekopf</translation>
    </message>
    <message>
        <source>Frog</source>
        <translation>Frosch</translation>
    </message>
    <message>
        <source>Monkey</source>
        <translation>Affe</translation>
    </message>
    <message>
        <source>Chicken</source>
        <translation>Huhn</translation>
    </message>
    <message>
        <source>Penguin</source>
        <translation>Pinguin</translation>
    </message>
    <message>
        <source>Bird</source>
        <translation>Vogel</translation>
    </message>
    <message>
        <source>Chick</source>
        <translation>Küken</translation>
    </message>
    <message>
        <source>Duck</source>
        <translation>Ente</translation>
    </message>
    <message>
        <source>Eagle</source>
        <translation>Adler</translation>
    </message>
    <message>
        <source>Owl</source>
        <translation>Eule</translation>
    </message>
    <message>
        <source>Bat</source>
        <translation>Fledermaus</translation>
    </message>
    <message>
        <source>Wolf</source>
        <translation>Wolf</translation>
    </message>
    <message>
        <source>Boar</source>
        <translation>Wildschwein</translation>
    </message>
    <message>
        <source>Horse face</source>
        <translation>Pferdekopf</translation>
    </message>
    <message>
        <source>Unicorn</source>
        <translation>Einhorn</translation>
    </message>
    <message>
        <source>Bee</source>
        <translation>Biene</translation>
    </message>
    <message>
        <source>Caterpillar</source>
        <translation>Raupe</translation>
    </message>
    <message>
        <source>Butterfly</source>
        <translation>Schmetterling</translation>
    </message>
    <message>
        <source>Snail</source>
        <translation>Schnecke</translation>
    </message>
    <message>
        <source>Ladybug/Ladybird</source>
        <translation>Marienkäfer</translation>
    </message>
    <message>
        <source>Octopus</source>
        <translation>Krake</translation>
    </message>
    <message>
        <source>Squid</source>
        <translation>Tintenfisch</translation>
    </message>
    <message>
        <source>Shrimp</source>
        <translation>Garnele</translation>
    </message>
    <message>
        <source>Crab</source>
        <translation>Krabbe</translation>
    </message>
    <message>
        <source>Blowfish</source>
        <translation>Kugelfisch</translation>
    </message>
    <message>
        <source>Tropical fish</source>
        <translation>Tropenfisch</translation>
    </message>
    <message>
        <source>Fish</source>
        <translation>Fisch</translation>
    </message>
    <message>
        <source>Dolphin</source>
        <translation>Delfin</translation>
    </message>
    <message>
        <source>Spouting whale</source>
        <translation>Blasender Wal</translation>
    </message>
    <message>
        <source>Whale</source>
        <translation>Wal</translation>
    </message>
    <message>
        <source>Shark</source>
        <translation>Hai</translation>
    </message>
    <message>
        <source>Crocodile</source>
        <translation>Krokodil</translation>
    </message>
    <message>
        <source>Tiger</source>
        <translation>Tiger</translation>
    </message>
    <message>
        <source>Leopard</source>
        <translation>Leopard</translation>
    </message>
    <message>
        <source>Zebra</source>
        <translation>Zebra</translation>
    </message>
    <message>
        <source>Gorilla</source>
        <translation>Gorilla</translation>
    </message>
    <message>
        <source>Elephant</source>
        <translation>Elefant</translation>
    </message>
    <message>
        <source>Hippo</source>
        <translation>Nilpferd</translation>
    </message>
    <message>
        <source>Rhino</source>
        <translation>Nashorn</translation>
    </message>
    <message>
        <source>Dromedary</source>
        <translation>Dromedar</translation>
    </message>
    <message>
        <source>Camel</source>
        <translation>Kamel</translation>
    </message>
    <message>
        <source>Giraffe</source>
        <translation>Giraffe</translation>
    </message>
    <message>
        <source>Kangaroo</source>
        <translation>Känguru</translation>
    </message>
    <message>
        <source>Water buffalo</source>
        <translation>Wasserbüffel</translation>
    </message>
    <message>
        <source>Ox</source>
        <translation>Ochse</translation>
    </message>
    <message>
        <source>Cow</source>
        <translation>Kuh</translation>
    </message>
    <message>
        <source>Horse</source>
        <translation>Pferd</translation>
    </message>
    <message>
        <source>Pig</source>
        <translation>Schwein</translation>
    </message>
    <message>
        <source>Ram</source>
        <translation>Widder</translation>
    </message>
    <message>
        <source>Sheep</source>
        <translation>Schaf</translation>
    </message>
    <message>
        <source>Llama</source>
        <translation>Lama</translation>
    </message>
    <message>
        <source>Goat</source>
        <translation>Ziege</translation>
    </message>
    <message>
        <source>Cactus</source>
        <translation>Kaktus</translation>
    </message>
    <message>
        <source>Christmas tree</source>
        <translation>Weihnachtsbaum</translation>
    </message>
    <message>
        <source>Fir tree</source>
        <translation>Tanne</translation>
    </message>
    <message>
        <source>Tree</source>
        <translation>Laubbaum</translation>
    </message>
    <message>
        <source>Palm tree</source>
        <translation>Palme</translation>
    </message>
    <message>
        <source>Seedling</source>
        <translation>Keimling</translation>
    </message>
    <message>
        <source>Herb</source>
        <translation>Kräuterzweig</translation>
    </message>
    <message>
        <source>Four-leaf clover</source>
        <translation>Kleeblatt</translation>
    </message>
    <message>
        <source>Maple leaf</source>
        <translation>Ahornblatt</translation>
    </message>
    <message>
        <source>Fallen leaves</source>
        <translation>Herbstlaub</translation>
    </message>
    <message>
        <source>Leaves in the wind</source>
        <translation>Blätter im Wind</translation>
    </message>
    <message>
        <source>Hibiscus</source>
        <translation>Hibiskus</translation>
    </message>
    <message>
        <source>Sunflower</source>
        <translation>Sonnenblume</translation>
    </message>
    <message>
        <source>Rose</source>
        <translation>Rose</translation>
    </message>
    <message>
        <source>Wilted flower</source>
        <translation>Welke Blume</translation>
    </message>
    <message>
        <source>Tulip</source>
        <translation>Tulpe</translation>
    </message>
    <message>
        <source>Blossom</source>
        <translation>Blüte</translation>
    </message>
    <message>
        <source>Cherry blossom</source>
        <translation>Kirschblüte</translation>
    </message>
    <message>
        <source>Bouquet</source>
        <translation>Blumenstrauß</translation>
    </message>
    <message>
        <source>Mushroom</source>
        <translation>Pilz</translation>
    </message>
    <message>
        <source>Chestnut</source>
        <translation>Kastanie</translation>
    </message>
    <message>
        <source>Halloween pumpkin</source>
        <translation>Halloween-Kürbis</translation>
    </message>
    <message>
        <source>New moon</source>
        <translation>Neumond</translation>
    </message>
    <message>
        <source>Waxing crescent moon</source>
        <translation>Zunehmende Mondsichel</translation>
    </message>
    <message>
        <source>First quarter moon</source>
        <translation>Zunehmender Halbmond</translation>
    </message>
    <message>
        <source>Waxing gibbous moon</source>
        <translation>Zunehmender Dreiviertelmond</translation>
    </message>
    <message>
        <source>Full moon</source>
        <translation>Vollmond</translation>
    </message>
    <message>
        <source>Waning gibbous moon</source>
        <translation>Abnehmender Dreiviertelmond</translation>
    </message>
    <message>
        <source>Last quarter moon</source>
        <translation>Abnehmender Halbmond</translation>
    </message>
    <message>
        <source>Waning crescent moon</source>
        <translation>Abnehmende Mondsichel</translation>
    </message>
    <message>
        <source>Crescent moon</source>
        <translation>Mondsichel</translation>
    </message>
    <message>
        <source>New moon face</source>
        <translation>Neumondgesicht</translation>
    </message>
    <message>
        <source>Star</source>
        <translation>Stern</translation>
    </message>
    <message>
        <source>Glowing star</source>
        <translation>Leuchtender Stern</translation>
    </message>
    <message>
        <source>Dizzy star</source>
        <translation>Wirbelnder Stern</translation>
    </message>
    <message>
        <source>Sparkles</source>
        <translation>Funkeln</translation>
    </message>
    <message>
        <source>Comet</source>
        <translation>Komet</translation>
    </message>
    <message>
        <source>Sun behind small cloud</source>
        <translation>Sonne hinter kleiner Wolke</translation>
    </message>
    <message>
        <source>Sun behind cloud</source>
        <translation>Sonne hinter Wolke</translation>
    </message>
    <message>
        <source>Sun behind large cloud</source>
        <translation>Sonne hinter großer Wolke</translation>
    </message>
    <message>
        <source>Sun behind rain cloud</source>
        <translation>Sonne hinter Regenwolke</translation>
    </message>
    <message>
        <source>Rain cloud</source>
        <translation>Regenwolke</translation>
    </message>
    <message>
        <source>Thunderstorm</source>
        <translation>Gewitter</translation>
    </message>
    <message>
        <source>Cloud with lightning</source>
        <translation>Wolke mit Blitz</translation>
    </message>
    <message>
        <source>Tornado</source>
        <translation>Tornado</translation>
    </message>
    <message>
        <source>Rainbow</source>
        <translation>Regenbogen</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>Sonne</translation>
    </message>
    <message>
        <source>Wave</source>
        <translation>Welle</translation>
    </message>
    <message>
        <source>Apple</source>
        <translation>Apfel</translation>
    </message>
    <message>
        <source>Tangerine</source>
        <translation>Mandarine</translation>
    </message>
    <message>
        <source>Lemon</source>
        <translation>Zitrone</translation>
    </message>
    <message>
        <source>Banana</source>
        <translation>Banane</translation>
    </message>
    <message>
        <source>Watermelon</source>
        <translation>Wassermelone</translation>
    </message>
    <message>
        <source>Grapes</source>
        <translation>Weintrauben</translation>
    </message>
    <message>
        <source>Strawberry</source>
        <translation>Erdbeere</translation>
    </message>
    <message>
        <source>Melon</source>
        <translation>Melone</translation>
    </message>
    <message>
        <source>Cherries</source>
        <translation>Kirschen</translation>
    </message>
    <message>
        <source>Peach</source>
        <translation>Pfirsich</translation>
    </message>
    <message>
        <source>Mango</source>
        <translation>Mango</translation>
    </message>
    <message>
        <source>Pineapple</source>
        <translation>Ananas</translation>
    </message>
    <message>
        <source>Coconut</source>
        <translation>Kokosnuss</translation>
    </message>
    <message>
        <source>Kiwi</source>
        <translation>Kiwi</translation>
    </message>
    <message>
        <source>Tomato</source>
        <translation>Tomate</translation>
    </message>
    <message>
        <source>Avocado</source>
        <translation>Avocado</translation>
    </message>
    <message>
        <source>Chili pepper</source>
        <translation>Chilischote</translation>
    </message>
    <message>
        <source>Carrot</source>
        <translation>Karotte</translation>
    </message>
    <message>
        <source>Potato</source>
        <translation>Kartoffel</translation>
    </message>
    <message>
        <source>Onion</source>
        <translation>Zwiebel</translation>
    </message>
    <message>
        <source>Corn cob</source>
        <translation>Maiskolben</translation>
    </message>
    <message>
        <source>Broccoli</source>
        <translation>Brokkoli</translation>
    </message>
    <message>
        <source>Cucumber</source>
        <translation>Gurke</translation>
    </message>
    <message>
        <source>Leafy greens</source>
        <translation>Blattsalat</translation>
    </message>
    <message>
        <source>Eggplant/Aubergine</source>
        <translation>Aubergine</translation>
    </message>
    <message>
        <source>Peanuts</source>
        <translation>Erdnüsse</translation>
    </message>
    <message>
        <source>Beans</source>
        <translation>Bohnen</translation>
    </message>
    <message>
        <source>Bread</source>
        <translation>Brot</translation>
    </message>
    <message>
        <source>Croissant</source>
        <translation>Croissant</translation>
    </message>
    <message>
        <source>Baguette</source>
        <translation>Baguette</translation>
    </message>
    <message>
        <source>Cheese</source>
        <translation>Käse</translation>
    </message>
    <message>
        <source>Egg</source>
        <translation>Ei</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Old key</source>
        <translation>Alter Schlüssel</translation>
    </message>
    <message>
        <source>Closed lock</source>
        <translation>Geschlossenes Schloss</translation>
    </message>
    <message>
        <source>Open lock</source>
        <translation>Offenes Schloss</translation>
    </message>
    <message>
        <source>Hammer</source>
        <translation>Hammer</translation>
    </message>
    <message>
        <source>Axe</source>
        <translation>Axt</translation>
    </message>
    <message>
        <source>Pickaxe</source>
        <translation>Spitzhacke</translation>
    </message>
    <message>
        <source>Wrench/Spanner</source>
        <translation>Schraubenschlüssel</translation>
    </message>
    <message>
        <source>Nut and bolt</source>
        <translation>Schraube und Mutter</translation>
    </message>
    <message>
        <source>Gear</source>
        <translation>Zahnrad</translation>
    </message>
    <message>
        <source>Magnet</source>
        <translation>Magnet</translation>
    </message>
    <message>
        <source>Water pistol</source>
        <translation>Wasserpistole</translation>
    </message>
    <message>
        <source>Bomb</source>
        <translation>Bombe</translation>
    </message>
    <message>
        <source>Firecracker</source>
        <translation>Knallkörper</translation>
    </message>
    <message>
        <source>Saw</source>
        <translation>Säge</translation>
    </message>
    <message>
        <source>Kitchen knife</source>
        <translation>Küchenmesser</translation>
    </message>
    <message>
        <source>Dagger</source>
        <translation>Dolch</translation>
    </message>
    <message>
        <source>Shield</source>
        <translation>Schild</translation>
    </message>
    <message>
        <source>Bow and arrow</source>
        <translation>Pfeil und Bogen</translation>
    </message>
    <message>
        <source>Bullseye</source>
        <translation>Zielscheibe</translation>
    </message>
    <message>
        <source>Boomerang</source>
        <translation>Bumerang</translation>
    </message>
    <message>
        <source>Toolbox</source>
        <translation>Werkzeugkasten</translation>
    </message>
    <message>
        <source>Microscope</source>
        <translation>Mikroskop</translation>
    </message>
    <message>
        <source>Telescope</source>
        <translation>Teleskop</translation>
    </message>
    <message>
        <source>Satellite dish</source>
        <translation>Satellitenschüssel</translation>
    </message>
    <message>
        <source>Syringe</source>
        <translation>Spritze</translation>
    </message>
    <message>
        <source>Drop of blood</source>
        <translation>Blutstropfen</translation>
    </message>
    <message>
        <source>Pill</source>
        <translation>Tablette</translation>
    </message>
    <message>
        <source>Bandage/Plaster</source>
        <translation>Pflaster</translation>
    </message>
    <message>
        <source>DNA</source>
        <translation>DNA</translation>
    </message>
    <message>
        <source>Microbe</source>
        <translation>Mikrobe</translation>
    </message>
    <message>
        <source>Petri dish</source>
        <translation>Petrischale</translation>
    </message>
    <message>
        <source>Guitar</source>
        <translation>Gitarre</translation>
    </message>
    <message>
        <source>Piano keys</source>
        <translation>Klaviertasten</translation>
    </message>
    <message>
        <source>Drum</source>
        <translation>Trommel</translation>
    </message>
    <message>
        <source>Trumpet</source>
        <translation>Trompete</translation>
    </message>
    <message>
        <source>Saxophone</source>
        <translation>Saxofon</translation>
    </message>
    <message>
        <source>Accordion</source>
        <translation>Akkordeon</translation>
    </message>
    <message>
        <source>Violin</source>
        <translation>Geige</translation>
    </message>
    <message>
        <source>Banjo</source>
        <translation>Banjo</translation>
    </message>
    <message>
        <source>Musical note</source>
        <translation>Musiknote</translation>
    </message>
    <message>
        <source>Musical notes</source>
        <translation>Musiknoten</translation>
    </message>
    <message>
        <source>Sheet music</source>
        <translation>Notenblatt</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <source>Headphones</source>
        <translation>Kopfhörer</translation>
    </message>
    <message>
        <source>Radio</source>
        <translation>Radio</translation>
    </message>
    <message>
        <source>Studio microphone</source>
        <translation>Studiomikrofon</translation>
    </message>
    <message>
        <source>Post horn</source>
        <translation>Posthorn</translation>
    </message>
    <message>
        <source>Rocket</source>
        <translation>Rakete</translation>
    </message>
    <message>
        <source>Flying saucer</source>
        <translation>Fliegende Untertasse</translation>
    </message>
    <message>
        <source>Helicopter</source>
        <translation>Hubschrauber</translation>
    </message>
    <message>
        <source>Sailboat</source>
        <translation>Segelboot</translation>
    </message>
    <message>
        <source>Steam locomotive</source>
        <translation>Dampflok</translation>
    </message>
    <message>
        <source>Car</source>
        <translation>Auto</translation>
    </message>
    <message>
        <source>Taxi</source>
        <translation>Taxi</translation>
    </message>
    <message>
        <source>Racing car</source>
        <translation>Rennwagen</translation>
    </message>
    <message>
        <source>Bus</source>
        <translation>Bus</translation>
    </message>
    <message>
        <source>Trolleybus</source>
        <translation>Oberleitungsbus</translation>
    </message>
    <message>
        <source>Ambulance</source>
        <translation>Krankenwagen</translation>
    </message>
    <message>
        <source>Fire engine</source>
        <translation>Feuerwehrauto</translation>
    </message>
    <message>
        <source>Pickup truck</source>
        <translation>Pick-up</translation>
    </message>
    <message>
        <source>Tractor</source>
        <translation>Traktor</translation>
    </message>
    <message>
        <source>Motor scooter</source>
        <translation>Motorroller</translation>
    </message>
    <message>
        <source>Motorcycle</source>
        <translation>Motorrad</translation>
    </message>
    <message>
        <source>Soccer ball/Football</source>
        <translation>Fußball</translation>
    </message>
    <message>
        <source>Basketball</source>
        <translation>Basketball</translation>
    </message>
    <message>
        <source>American football</source>
        <translation>American Football</translation>
    </message>
    <message>
        <source>Baseball</source>
        <translation>Baseball</translation>
    </message>
    <message>
        <source>Softball</source>
        <translation>Softball</translation>
    </message>
    <message>
        <source>Tennis ball</source>
        <translation>Tennisball</translation>
    </message>
    <message>
        <source>Volleyball</source>
        <translation>Volleyball</translation>
    </message>
    <message>
        <source>Rugby ball</source>
        <translation>Rugbyball</translation>
    </message>
    <message>
        <source>Billiard ball</source>
        <translation>Billardkugel</translation>
    </message>
    <message>
        <source>Table tennis</source>
        <translation>Tischtennis</translation>
    </message>
    <message>
        <source>Badminton</source>
        <translation>Federball</translation>
    </message>
    <message>
        <source>Boxing glove</source>
        <translation>Boxhandschuh</translation>
    </message>
    <message>
        <source>Skis</source>
        <translation>Skier</translation>
    </message>
    <message>
        <source>Skier</source>
        <translation>Skifahrer</translation>
    </message>
    <message>
        <source>Snowboarder</source>
        <translation>Snowboarder</translation>
    </message>
    <message>
        <source>Parachute</source>
        <translation>Fallschirm</translation>
    </message>
    <message>
        <source>Red heart</source>
        <translation>Rotes Herz</translation>
    </message>
    <message>
        <source>Orange heart</source>
        <translation>Oranges Herz</translation>
    </message>
    <message>
        <source>Yellow heart</source>
        <translation>Gelbes Herz</translation>
    </message>
    <message>
        <source>Green heart</source>
        <translation>Grünes Herz</translation>
    </message>
    <message>
        <source>Blue heart</source>
        <translation>Blaues Herz</translation>
    </message>
    <message>
        <source>Purple heart</source>
        <translation>Lila Herz</translation>
    </message>
    <message>
        <source>Brown heart</source>
        <translation>Braunes Herz</translation>
    </message>
    <message>
        <source>Black heart</source>
        <translation>Schwarzes Herz</translation>
    </message>
    <message>
        <source>Gemstone</source>
        <translation>Edelstein</translation>
    </message>
    <message>
        <source>Fire</source>
        <translation>Feuer</translation>
    </message>
    <message>
        <source>Droplet</source>
        <translation>Tropfen</translation>
    </message>
    <message>
        <source>Cyclone</source>
        <translation>Wirbelsturm</translation>
    </message>
    <message>
        <source>Circus tent</source>
        <translation>Zirkuszelt</translation>
    </message>
    <message>
        <source>Theatre masks</source>
        <translation>Theatermasken</translation>
    </message>
    <message>
        <source>Artist palette</source>
        <translation>Farbpalette</translation>
    </message>
    <message>
        <source>Puzzle piece</source>
        <translation>Puzzleteil</translation>
    </message>
    <message>
        <source>Chess pawn</source>
        <translation>Schachbauer</translation>
    </message>
    <message>
        <source>Game die</source>
        <translation>Spielwürfel</translation>
    </message>
    <message>
        <source>Teddy bear</source>
        <translation>Teddybär</translation>
    </message>
    <message>
        <source>Nesting dolls</source>
        <translation>Matroschka</translation>
    </message>
    <message>
        <source>Magic wand</source>
        <translation>Zauberstab</translation>
    </message>
    <message>
        <source>Top hat</source>
        <translation>Zylinder</translation>
    </message>
    <message>
        <source>Crown</source>
        <translation>Krone</translation>
    </message>
    <message>
        <source>Ring</source>
        <translation>Ring</translation>
    </message>
    <message>
        <source>Trophy</source>
        <translation>Pokal</translation>
    </message>
    <message>
        <source>Gold medal</source>
        <translation>Goldmedaille</translation>
    </message>
    <message>
        <source>Silver medal</source>
        <translation>Silbermedaille</translation>
    </message>
    <message>
        <source>Bronze medal</source>
        <translation>Bronzemedaille</translation>
    </message>
    <message>
        <source>Sports medal</source>
        <translation>Sportmedaille</translation>
    </message>
    <message>
        <source>Military medal</source>
        <translation>Militärorden</translation>
    </message>
    <message>
        <source>Rosette</source>
        <translation>Rosette</translation>
    </message>
    <message>
        <source>Reminder ribbon</source>
        <translation>Erinnerungsschleife</translation>
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
        <source>The only path to the peer is a relay that limits each connection to a few hundred kilobytes or minutes, so a forward would be cut off. Run your own relay (peerup relay serve) and add it on both devices, or let them reach each other directly.</source>
        <translation>Der einzige Weg zum Gerät führt über ein Relay, das jede Verbindung auf wenige hundert Kilobyte oder Minuten begrenzt; eine Weiterleitung würde abbrechen. Betreiben Sie Ihr eigenes Relay (peerup relay serve) und fügen Sie es auf beiden Geräten hinzu, oder sorgen Sie dafür, dass sich die Geräte direkt erreichen.</translation>
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
        <source>A file that decides who may connect could be changed by other users of this computer: peer-up does not use it.</source>
        <translation>Eine Datei, die festlegt, wer sich verbinden darf, könnte von anderen Benutzern dieses Computers geändert werden: peer-up verwendet sie nicht.</translation>
    </message>
    <message>
        <source>The list of authorized peers (authorized_keys) cannot be read.</source>
        <translation>Die Liste der autorisierten Peers (authorized_keys) kann nicht gelesen werden.</translation>
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
        <source>The peer cannot run the interactive check (it may run the Go peer-up).</source>
        <translation>Der Peer kann die interaktive Prüfung nicht ausführen (vielleicht läuft dort das Go-peer-up).</translation>
    </message>
    <message>
        <source>peer-up hit an internal error.</source>
        <translation>peer-up hatte einen internen Fehler.</translation>
    </message>
    <message>
        <source>No answer in time.</source>
        <translation>Keine Antwort in der vorgesehenen Zeit.</translation>
    </message>
    <message>
        <source>The peer admits only verified peers: verify each other first (compare the emoji).</source>
        <translation>Der Peer lässt nur verifizierte Peers zu: Verifizieren Sie sich zuerst gegenseitig (vergleichen Sie die Emoji).</translation>
    </message>
    <message>
        <source>The connection to peer-up broke.</source>
        <translation>Die Verbindung zu peer-up ist abgebrochen.</translation>
    </message>
    <message>
        <source>peer-up&apos;s engine is not running.</source>
        <translation>Die Engine von peer-up läuft nicht.</translation>
    </message>
    <message>
        <source>That is not a valid code.</source>
        <translation>Das ist kein gültiger Code.</translation>
    </message>
    <message>
        <source>The pairing did not complete.</source>
        <translation>Die Kopplung wurde nicht abgeschlossen.</translation>
    </message>
    <message>
        <source>The other device did not accept the code: it is wrong, has expired, or was already used. Ask for a new one.</source>
        <translation>Das andere Gerät hat den Code nicht angenommen: Er ist falsch, abgelaufen oder wurde schon benutzt. Bitten Sie um einen neuen.</translation>
    </message>
    <message>
        <source>The code has expired. Ask for a new one.</source>
        <translation>Der Code ist abgelaufen. Bitten Sie um einen neuen.</translation>
    </message>
    <message>
        <source>The code burned after too many wrong attempts. Ask for a new one.</source>
        <translation>Der Code ist nach zu vielen falschen Versuchen verbrannt. Bitten Sie um einen neuen.</translation>
    </message>
    <message>
        <source>The code was already used. Ask for a new one.</source>
        <translation>Der Code wurde schon benutzt. Bitten Sie um einen neuen.</translation>
    </message>
    <message>
        <source>Cancelled: the code no longer works.</source>
        <translation>Abgebrochen: Der Code funktioniert nicht mehr.</translation>
    </message>
    <message>
        <source>The other device cannot be reached. Is it online, and is its invite still open?</source>
        <translation>Das andere Gerät ist nicht erreichbar. Ist es online, und ist seine Einladung noch offen?</translation>
    </message>
    <message>
        <source>No device on this network is inviting with that number. Both devices must be on the same network; or use the long code.</source>
        <translation>Kein Gerät in diesem Netzwerk lädt mit dieser Nummer ein. Beide Geräte müssen im selben Netzwerk sein; sonst verwenden Sie den langen Code.</translation>
    </message>
    <message>
        <source>This is this device&apos;s own code: enter it on the other device.</source>
        <translation>Das ist der eigene Code dieses Geräts: Geben Sie ihn auf dem anderen Gerät ein.</translation>
    </message>
    <message>
        <source>The pairing was tampered with: someone may be in the middle. Nothing was stored.</source>
        <translation>Die Kopplung wurde manipuliert: Möglicherweise sitzt jemand dazwischen. Es wurde nichts gespeichert.</translation>
    </message>
    <message>
        <source>The relay refused the code: it is wrong, already used, expired, revoked, or burned. Ask the relay&apos;s admin for a new one.</source>
        <translation>Das Relay hat den Code abgelehnt: Er ist falsch, schon benutzt, abgelaufen, widerrufen oder verbrannt. Bitten Sie die Verwaltung des Relays um einen neuen.</translation>
    </message>
    <message>
        <source>The other device broke off the pairing.</source>
        <translation>Das andere Gerät hat die Kopplung abgebrochen.</translation>
    </message>
    <message>
        <source>Too many wrong attempts: the code burned, nobody can join with it any more. If that was not the other device, someone else has the code.</source>
        <translation>Zu viele falsche Versuche: Der Code ist verbrannt, niemand kann mehr damit beitreten. Falls das nicht das andere Gerät war, hat jemand anderes den Code.</translation>
    </message>
    <message>
        <source>The code expired before anyone joined.</source>
        <translation>Der Code ist abgelaufen, bevor jemand beigetreten ist.</translation>
    </message>
    <message>
        <source>The invite was cancelled: the code no longer works.</source>
        <translation>Die Einladung wurde abgebrochen: Der Code funktioniert nicht mehr.</translation>
    </message>
    <message>
        <source>This device was not paired by an invite here: use Verify… instead.</source>
        <translation>Dieses Gerät wurde nicht über eine Einladung hier gekoppelt: Verwenden Sie stattdessen „Verifizieren…“.</translation>
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
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
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
    <name>InviteDialog</name>
    <message>
        <source>10 minutes</source>
        <translation>10 Minuten</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 Stunde</translation>
    </message>
    <message>
        <source>24 hours</source>
        <translation>24 Stunden</translation>
    </message>
    <message>
        <source>Invite a device</source>
        <translation>Gerät einladen</translation>
    </message>
    <message>
        <source>&amp;New invite</source>
        <translation>&amp;Neue Einladung</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>C&amp;reate code</source>
        <translation>Code &amp;erstellen</translation>
    </message>
    <message>
        <source>e.g. phone (optional)</source>
        <translation>z. B. Telefon (optional)</translation>
    </message>
    <message>
        <source>Name for the other device</source>
        <translation>Name für das andere Gerät</translation>
    </message>
    <message>
        <source>How long the code is valid</source>
        <translation>Wie lange der Code gültig ist</translation>
    </message>
    <message>
        <source>Also offer a &amp;short code on this network</source>
        <translation>Auch einen &amp;Kurzcode für dieses Netzwerk anbieten</translation>
    </message>
    <message>
        <source>A short code such as 7-guidance-aftermath-crumpled is easy to type, but it announces this device on the local network while the invite is open.</source>
        <translation>Ein Kurzcode wie 7-guidance-aftermath-crumpled ist leicht zu tippen, macht dieses Gerät aber im lokalen Netzwerk bekannt, solange die Einladung offen ist.</translation>
    </message>
    <message>
        <source>&amp;Name for the other device:</source>
        <translation>&amp;Name für das andere Gerät:</translation>
    </message>
    <message>
        <source>Code &amp;valid for:</source>
        <translation>Code &amp;gültig für:</translation>
    </message>
    <message>
        <source>This makes a one-time code for the other device. It works once, for a limited time; whoever has it can try it three times, so share it only with the other device. Both screens then show the same four emoji.</source>
        <translation>Dies erstellt einen Einmalcode für das andere Gerät. Er funktioniert einmal und nur für begrenzte Zeit; wer ihn hat, kann ihn dreimal ausprobieren, geben Sie ihn also nur an das andere Gerät weiter. Danach zeigen beide Bildschirme dieselben vier Emoji.</translation>
    </message>
    <message>
        <source>QR code of the invite link</source>
        <translation>QR-Code des Einladungslinks</translation>
    </message>
    <message>
        <source>Invite code</source>
        <translation>Einladungscode</translation>
    </message>
    <message>
        <source>&amp;Copy code</source>
        <translation>Code &amp;kopieren</translation>
    </message>
    <message>
        <source>Invite link</source>
        <translation>Einladungslink</translation>
    </message>
    <message>
        <source>Copy &amp;link</source>
        <translation>&amp;Link kopieren</translation>
    </message>
    <message>
        <source>On this network, the short code:</source>
        <translation>In diesem Netzwerk genügt der Kurzcode:</translation>
    </message>
    <message>
        <source>Short code</source>
        <translation>Kurzcode</translation>
    </message>
    <message>
        <source>Copy s&amp;hort code</source>
        <translation>K&amp;urzcode kopieren</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Verbleibende Zeit</translation>
    </message>
    <message>
        <source>Invite status</source>
        <translation>Stand der Einladung</translation>
    </message>
    <message>
        <source>On the other device, scan the QR code or open the link, or paste the code into peer-up&apos;s “Join with a code…”. Closing this window cancels the invite: the code stops working.</source>
        <translation>Scannen Sie auf dem anderen Gerät den QR-Code oder öffnen Sie den Link, oder fügen Sie den Code in peer-ups „Mit einem Code beitreten…“ ein. Wenn Sie dieses Fenster schließen, wird die Einladung abgebrochen: Der Code funktioniert dann nicht mehr.</translation>
    </message>
    <message>
        <source>Give this code to the other device</source>
        <translation>Geben Sie diesen Code an das andere Gerät</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Cancel invite</source>
        <translation>Einladung abbrechen</translation>
    </message>
    <message>
        <source>Creating the code…</source>
        <translation>Der Code wird erstellt…</translation>
    </message>
    <message>
        <source>The invite ended unexpectedly.</source>
        <translation>Die Einladung endete unerwartet.</translation>
    </message>
    <message>
        <source>Someone is joining: checking the code…</source>
        <translation>Jemand tritt bei: Der Code wird geprüft…</translation>
    </message>
    <message>
        <source>Waiting for the other device…</source>
        <translation>Warten auf das andere Gerät…</translation>
    </message>
    <message numerus="yes">
        <source>A join attempt failed: a wrong code? %n attempt(s) left before the code burns.</source>
        <translation>
            <numerusform>Ein Beitrittsversuch ist fehlgeschlagen: ein falscher Code? Noch %n Versuch, bevor der Code verbrennt.</numerusform>
            <numerusform>Ein Beitrittsversuch ist fehlgeschlagen: ein falscher Code? Noch %n Versuche, bevor der Code verbrennt.</numerusform>
        </translation>
    </message>
    <message>
        <source>No short code: this device cannot announce it on this network.</source>
        <translation>Kein Kurzcode: Dieses Gerät kann ihn in diesem Netzwerk nicht bekannt machen.</translation>
    </message>
    <message>
        <source>Expires in %1</source>
        <translation>Läuft ab in %1</translation>
    </message>
    <message>
        <source>The invite has ended</source>
        <translation>Die Einladung ist beendet</translation>
    </message>
    <message>
        <source>This code no longer works. A new invite makes a new one.</source>
        <translation>Dieser Code funktioniert nicht mehr. Eine neue Einladung erstellt einen neuen.</translation>
    </message>
    <message>
        <source>“%1” joined.</source>
        <translation>„%1“ ist beigetreten.</translation>
    </message>
    <message>
        <source>&amp;Done</source>
        <translation>&amp;Fertig</translation>
    </message>
    <message>
        <source>Copied.</source>
        <translation>Kopiert.</translation>
    </message>
</context>
<context>
    <name>JoinDialog</name>
    <message>
        <source>A short code: peer-up looks for the inviting device (number %1) on this network.</source>
        <translation>Ein Kurzcode: peer-up sucht das einladende Gerät (Nummer %1) in diesem Netzwerk.</translation>
    </message>
    <message>
        <source>An invite code from the device %1.</source>
        <translation>Ein Einladungscode des Geräts %1.</translation>
    </message>
    <message>
        <source>A relay pairing code: join a group on the relay %1 and meet its members.</source>
        <translation>Ein Kopplungscode eines Relays: Sie treten einer Gruppe auf dem Relay %1 bei und lernen ihre Mitglieder kennen.</translation>
    </message>
    <message>
        <source>Reaching the relay</source>
        <translation>Das Relay wird erreicht</translation>
    </message>
    <message>
        <source>Presenting the code to the relay</source>
        <translation>Der Code wird dem Relay vorgelegt</translation>
    </message>
    <message>
        <source>Checking the group&apos;s members</source>
        <translation>Die Mitglieder der Gruppe werden geprüft</translation>
    </message>
    <message>
        <source>Reaching the other device</source>
        <translation>Das andere Gerät wird erreicht</translation>
    </message>
    <message>
        <source>Exchanging keys (checking the code)</source>
        <translation>Schlüssel werden ausgetauscht (der Code wird geprüft)</translation>
    </message>
    <message>
        <source>Confirming the keys and exchanging names</source>
        <translation>Die Schlüssel werden bestätigt und Namen ausgetauscht</translation>
    </message>
    <message>
        <source>Join with a code</source>
        <translation>Mit einem Code beitreten</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>&amp;Beitreten</translation>
    </message>
    <message>
        <source>AMAX-E7OV-…, peerup://join/… or 7-word-word-word</source>
        <translation>AMAX-E7OV-…, peerup://join/… oder 7-wort-wort-wort</translation>
    </message>
    <message>
        <source>Code or link</source>
        <translation>Code oder Link</translation>
    </message>
    <message>
        <source>What the code is</source>
        <translation>Was für ein Code das ist</translation>
    </message>
    <message>
        <source>Name this device as</source>
        <translation>Name für dieses Gerät</translation>
    </message>
    <message>
        <source>&amp;Code or link:</source>
        <translation>&amp;Code oder Link:</translation>
    </message>
    <message>
        <source>&amp;Name this device as:</source>
        <translation>&amp;Name für dieses Gerät:</translation>
    </message>
    <message>
        <source>Paste the code (or the link) the other device shows, or type its short code. A relay&apos;s pairing code works here too.</source>
        <translation>Fügen Sie den Code (oder den Link) ein, den das andere Gerät anzeigt, oder tippen Sie seinen Kurzcode. Der Kopplungscode eines Relays funktioniert hier auch.</translation>
    </message>
    <message>
        <source>Joining…</source>
        <translation>Beitreten…</translation>
    </message>
    <message>
        <source>Joining</source>
        <translation>Beitreten</translation>
    </message>
    <message>
        <source>You joined the group</source>
        <translation>Sie sind der Gruppe beigetreten</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Mitglied</translation>
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
        <source>Group members</source>
        <translation>Mitglieder der Gruppe</translation>
    </message>
    <message>
        <source>Members who join later are introduced too. Every member starts unverified: compare emoji with each of them (Verify… in the peers window).</source>
        <translation>Mitglieder, die später beitreten, werden ebenfalls vorgestellt. Jedes Mitglied ist zunächst unverifiziert: Vergleichen Sie mit jedem die Emoji („Verifizieren…“ im Peers-Fenster).</translation>
    </message>
    <message>
        <source>Show &amp;peers</source>
        <translation>&amp;Peers anzeigen</translation>
    </message>
    <message>
        <source>&amp;Done</source>
        <translation>&amp;Fertig</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>The join was cancelled.</source>
        <translation>Der Beitritt wurde abgebrochen.</translation>
    </message>
    <message>
        <source>You joined “%1”.</source>
        <translation>Sie sind „%1“ beigetreten.</translation>
    </message>
    <message>
        <source>It offers: %1.</source>
        <translation>Es bietet an: %1.</translation>
    </message>
    <message numerus="yes">
        <source>The relay %1 admitted this device to its group of %n device(s).</source>
        <translation>
            <numerusform>Das Relay %1 hat dieses Gerät in seine Gruppe aus %n Gerät aufgenommen.</numerusform>
            <numerusform>Das Relay %1 hat dieses Gerät in seine Gruppe aus %n Geräten aufgenommen.</numerusform>
        </translation>
    </message>
    <message>
        <source>It is now one of this device&apos;s relays.</source>
        <translation>Es ist jetzt eines der Relays dieses Geräts.</translation>
    </message>
    <message>
        <source>This relay runs the Go peer-up: its introductions cannot be checked, only trusted.</source>
        <translation>Auf diesem Relay läuft das Go-peer-up: Seine Vorstellungen lassen sich nicht prüfen, nur glauben.</translation>
    </message>
    <message>
        <source>[VERIFIED]</source>
        <translation>[VERIFIZIERT]</translation>
    </message>
    <message>
        <source>[UNVERIFIED]</source>
        <translation>[UNVERIFIZIERT]</translation>
    </message>
    <message>
        <source>You joined the group first</source>
        <translation>Sie sind der Gruppe als Erstes beigetreten</translation>
    </message>
    <message>
        <source>No other member has joined yet: the relay introduces them as they join. Every member starts unverified: compare emoji with each of them (Verify… in the peers window).</source>
        <translation>Noch ist kein anderes Mitglied beigetreten: Das Relay stellt sie vor, sobald sie beitreten. Jedes Mitglied ist zunächst unverifiziert: Vergleichen Sie mit jedem die Emoji („Verifizieren…“ im Peers-Fenster).</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Welcome to peer-up</source>
        <translation>Willkommen bei peer-up</translation>
    </message>
    <message>
        <source>peer-up</source>
        <translation>peer-up</translation>
    </message>
    <message>
        <source>peer-up is already running (see the tray).</source>
        <translation>peer-up läuft bereits (siehe Infobereich).</translation>
    </message>
    <message>
        <source>This device has a new identity. To connect another device, choose “Invite a device…” in this menu, and “Join with a code…” on the other.</source>
        <translation>Dieses Gerät hat eine neue Identität. Um ein anderes Gerät zu verbinden, wählen Sie hier im Menü „Gerät einladen…“ und auf dem anderen „Mit einem Code beitreten…“.</translation>
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
        <source>Click here (or choose it in the tray menu) to compare the emoji with %1.</source>
        <translation>Klicken Sie hier (oder wählen Sie es im Tray-Menü), um die Emoji mit %1 zu vergleichen.</translation>
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
        <source>expired: not authorized</source>
        <translation>abgelaufen: nicht autorisiert</translation>
    </message>
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
        <source>Put the outer router (often the ISP&apos;s modem) in bridge mode, or forward peer-up&apos;s port on both routers, or use IPv6 (a port mapping on your own router alone does not reach through the outer one).</source>
        <translation>Den äußeren Router (oft das Modem Ihres Anbieters) in den Bridge-Modus schalten, den Port von peer-up auf beiden Routern weiterleiten oder IPv6 nutzen (eine Portfreigabe nur auf Ihrem eigenen Router reicht nicht durch den äußeren).</translation>
    </message>
    <message>
        <source>For grade A: put the outer router (often the ISP&apos;s modem) in bridge mode, or forward peer-up&apos;s port on both routers, or use IPv6 (a port mapping on your own router alone does not reach through the outer one).</source>
        <translation>Für Note A: den äußeren Router (oft das Modem Ihres Anbieters) in den Bridge-Modus schalten, den Port von peer-up auf beiden Routern weiterleiten oder IPv6 nutzen (eine Portfreigabe nur auf Ihrem eigenen Router reicht nicht durch den äußeren).</translation>
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
        <source>Your ISP shares one public IPv4 address among many customers (CGNAT), but its NAT keeps one mapping for every destination; direct connections work by hole punching.</source>
        <translation>Ihr Anbieter teilt eine öffentliche IPv4-Adresse unter vielen Kunden auf (CGNAT), aber sein NAT behält eine Zuordnung für alle Ziele; direkte Verbindungen gelingen per Hole Punching.</translation>
    </message>
    <message>
        <source>For grade A, ask your ISP for a public IPv4 address, or use IPv6 (a port mapping on your router cannot open your ISP&apos;s NAT).</source>
        <translation>Für Note A: Ihren Anbieter nach einer öffentlichen IPv4-Adresse fragen oder IPv6 nutzen (eine Portfreigabe auf Ihrem Router kann das NAT Ihres Anbieters nicht öffnen).</translation>
    </message>
    <message>
        <source>Your router is behind another router (double NAT); the mapping stays the same for every destination, so direct connections work by hole punching.</source>
        <translation>Ihr Router steht hinter einem weiteren Router (doppeltes NAT); die Zuordnung bleibt für alle Ziele gleich, daher gelingen direkte Verbindungen per Hole Punching.</translation>
    </message>
    <message>
        <source>Your router is behind another router (double NAT); UDP is blocked or mapped per destination, but your TCP port keeps one mapping for every destination; direct connections work over TCP only.</source>
        <translation>Ihr Router steht hinter einem weiteren Router (doppeltes NAT); UDP ist gesperrt oder wird je Ziel umgesetzt, aber Ihr TCP-Port behält eine Zuordnung für alle Ziele; direkte Verbindungen gehen nur über TCP.</translation>
    </message>
    <message>
        <source>Your router is behind another router (double NAT) and your network blocks UDP; peers reach you through the relay.</source>
        <translation>Ihr Router steht hinter einem weiteren Router (doppeltes NAT), und Ihr Netzwerk sperrt UDP; Peers erreichen Sie über das Relay.</translation>
    </message>
    <message>
        <source>Allow outbound UDP on your network. %1</source>
        <translation>Ausgehendes UDP in Ihrem Netzwerk erlauben. %1</translation>
    </message>
    <message>
        <source>Your router is behind another router (double NAT) and a new port is picked for every destination, which defeats hole punching; connections use the relay.</source>
        <translation>Ihr Router steht hinter einem weiteren Router (doppeltes NAT), und für jedes Ziel wird ein neuer Port gewählt, was Hole Punching verhindert; Verbindungen laufen über das Relay.</translation>
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
        <source>No limit</source>
        <translation>Keine Grenze</translation>
    </message>
    <message>
        <source>This relay allows %1 per connection.</source>
        <translation>Dieses Relay erlaubt %1 pro Verbindung.</translation>
    </message>
    <message>
        <source>Too little for forwards: they go direct or through another relay, or are refused with a plain error. Run your own relay (peerup relay serve) for forwards.</source>
        <translation>Zu wenig für Weiterleitungen: Sie laufen direkt oder über ein anderes Relay oder werden mit einer klaren Fehlermeldung abgelehnt. Betreiben Sie für Weiterleitungen Ihr eigenes Relay (peerup relay serve).</translation>
    </message>
    <message numerus="yes">
        <source>%n h</source>
        <translation>
            <numerusform>%n Std.</numerusform>
            <numerusform>%n Std.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <translation>
            <numerusform>%n Min.</numerusform>
            <numerusform>%n Min.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n Sek.</numerusform>
            <numerusform>%n Sek.</numerusform>
        </translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>Relay</translation>
    </message>
    <message>
        <source>Reservation</source>
        <translation>Reservierung</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>Grenze</translation>
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
        <source>✔ Something answers at %1 (%2 ms).</source>
        <translation>✔ Unter %1 antwortet etwas (%2 ms).</translation>
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
        <source>Give the service a name.</source>
        <translation>Geben Sie dem Dienst einen Namen.</translation>
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
        <source>E&amp;nable</source>
        <translation>&amp;Aktivieren</translation>
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
        <source>Verify %1 (asks now)…</source>
        <translation>%1 verifizieren (fragt gerade)…</translation>
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
        <source>The list of authorized peers was not reloaded</source>
        <translation>Die Liste der autorisierten Peers wurde nicht neu geladen</translation>
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
<context>
    <name>Verify</name>
    <message>
        <source>The check failed: a message was changed on the way. Someone may be intercepting the connection.</source>
        <translation>Die Prüfung ist fehlgeschlagen: Eine Nachricht wurde unterwegs verändert. Möglicherweise hört jemand die Verbindung ab.</translation>
    </message>
    <message>
        <source>The other device sent something unexpected.</source>
        <translation>Das andere Gerät hat etwas Unerwartetes gesendet.</translation>
    </message>
    <message>
        <source>The verification expired: it must be finished within 10 minutes.</source>
        <translation>Die Verifizierung ist abgelaufen: Sie muss innerhalb von 10 Minuten abgeschlossen werden.</translation>
    </message>
    <message>
        <source>The other device ended the verification.</source>
        <translation>Das andere Gerät hat die Verifizierung beendet.</translation>
    </message>
    <message>
        <source>The verification was cancelled.</source>
        <translation>Die Verifizierung wurde abgebrochen.</translation>
    </message>
    <message>
        <source>The connection to the other device broke.</source>
        <translation>Die Verbindung zum anderen Gerät ist abgebrochen.</translation>
    </message>
    <message>
        <source>The other device started a verification at the same time.</source>
        <translation>Das andere Gerät hat gleichzeitig eine Verifizierung gestartet.</translation>
    </message>
    <message>
        <source>Too many verifications at once. Try again later.</source>
        <translation>Zu viele Verifizierungen gleichzeitig. Versuchen Sie es später noch einmal.</translation>
    </message>
    <message>
        <source>The result could not be saved.</source>
        <translation>Das Ergebnis konnte nicht gespeichert werden.</translation>
    </message>
    <message>
        <source>This verification is already over.</source>
        <translation>Diese Verifizierung ist bereits beendet.</translation>
    </message>
    <message>
        <source>This verification no longer exists.</source>
        <translation>Diese Verifizierung gibt es nicht mehr.</translation>
    </message>
</context>
<context>
    <name>VerifyDialog</name>
    <message>
        <source>Verify %1</source>
        <translation>%1 verifizieren</translation>
    </message>
    <message>
        <source>Compare the &amp;fingerprint instead</source>
        <translation>Stattdessen den &amp;Fingerabdruck vergleichen</translation>
    </message>
    <message>
        <source>&amp;Try again</source>
        <translation>&amp;Erneut versuchen</translation>
    </message>
    <message>
        <source>Working</source>
        <translation>In Arbeit</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Warten</translation>
    </message>
    <message>
        <source>Asking %1 to verify… The two devices exchange keys; this takes a few seconds. %1 must be online.</source>
        <translation>%1 wird um die Verifizierung gebeten… Die beiden Geräte tauschen Schlüssel aus; das dauert einige Sekunden. %1 muss online sein.</translation>
    </message>
    <message>
        <source>The verification did not start</source>
        <translation>Die Verifizierung hat nicht begonnen</translation>
    </message>
    <message>
        <source>Check that %1 is online and try again. If it cannot run the interactive check, compare the fixed fingerprint instead.</source>
        <translation>Prüfen Sie, ob %1 online ist, und versuchen Sie es erneut. Kann %1 die interaktive Prüfung nicht ausführen, vergleichen Sie stattdessen den festen Fingerabdruck.</translation>
    </message>
    <message>
        <source>Exchanging keys with %1…</source>
        <translation>Schlüssel werden mit %1 ausgetauscht…</translation>
    </message>
    <message>
        <source>%1 is verified</source>
        <translation>%1 ist verifiziert</translation>
    </message>
    <message>
        <source>Both of you confirmed the same emoji. %1 is marked verified on both devices.</source>
        <translation>Sie haben beide dieselben Emoji bestätigt. %1 ist auf beiden Geräten als verifiziert markiert.</translation>
    </message>
    <message>
        <source>You said the emoji differ.</source>
        <translation>Sie haben angegeben, dass die Emoji verschieden sind.</translation>
    </message>
    <message>
        <source>%1 said the emoji differ on their screen.</source>
        <translation>%1 hat angegeben, dass die Emoji auf dem eigenen Bildschirm verschieden sind.</translation>
    </message>
    <message>
        <source>%1 started a verification at the same time. Waiting for it…</source>
        <translation>%1 hat gleichzeitig eine Verifizierung gestartet. Warten auf diese…</translation>
    </message>
    <message>
        <source>The verification did not finish</source>
        <translation>Die Verifizierung wurde nicht abgeschlossen</translation>
    </message>
    <message>
        <source>%1 stays unverified. You can try again.</source>
        <translation>%1 bleibt unverifiziert. Sie können es erneut versuchen.</translation>
    </message>
    <message>
        <source>%1 asks to verify this device</source>
        <translation>%1 möchte dieses Gerät verifizieren</translation>
    </message>
    <message>
        <source>Compare with %1</source>
        <translation>Mit %1 vergleichen</translation>
    </message>
    <message>
        <source>&amp;Remove %1</source>
        <translation>%1 &amp;entfernen</translation>
    </message>
    <message>
        <source>You said they match.</source>
        <translation>Sie haben angegeben, dass sie übereinstimmen.</translation>
    </message>
    <message>
        <source>You said they differ.</source>
        <translation>Sie haben angegeben, dass sie verschieden sind.</translation>
    </message>
    <message>
        <source>Waiting for %1 to answer…</source>
        <translation>Warten auf die Antwort von %1…</translation>
    </message>
    <message>
        <source>The emoji do not match</source>
        <translation>Die Emoji stimmen nicht überein</translation>
    </message>
    <message>
        <source>Someone may be intercepting the connection, or this is not the device you think. %1 stays unverified: do not trust it. If you cannot explain the difference, remove it and pair again with a new invite.</source>
        <translation>Möglicherweise hört jemand die Verbindung ab, oder dies ist nicht das Gerät, für das Sie es halten. %1 bleibt unverifiziert: Vertrauen Sie diesem Peer nicht. Wenn Sie den Unterschied nicht erklären können, entfernen Sie ihn und koppeln Sie die Geräte mit einer neuen Einladung erneut.</translation>
    </message>
    <message>
        <source>Expires in %1</source>
        <translation>Läuft ab in %1</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Schließen</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>&amp;Abbrechen</translation>
    </message>
    <message>
        <source>Compare the fingerprint with %1</source>
        <translation>Fingerabdruck mit %1 vergleichen</translation>
    </message>
    <message>
        <source>%1 cannot run the interactive check (it may run the Go peer-up).</source>
        <translation>%1 kann die interaktive Prüfung nicht ausführen (vielleicht läuft dort das Go-peer-up).</translation>
    </message>
    <message>
        <source>%1 cannot run the interactive check right now.</source>
        <translation>%1 kann die interaktive Prüfung gerade nicht ausführen.</translation>
    </message>
    <message>
        <source>Compare this fixed fingerprint instead: it is the same on both devices, every time. It only detects a mix-up of devices, not someone intercepting the connection.</source>
        <translation>Vergleichen Sie stattdessen diesen festen Fingerabdruck: Er ist auf beiden Geräten und jedes Mal derselbe. Er deckt nur eine Verwechslung von Geräten auf, nicht jemanden, der die Verbindung abhört.</translation>
    </message>
    <message>
        <source>You said the fingerprints differ.</source>
        <translation>Sie haben angegeben, dass die Fingerabdrücke verschieden sind.</translation>
    </message>
    <message>
        <source>%1 is verified on this device</source>
        <translation>%1 ist auf diesem Gerät verifiziert</translation>
    </message>
    <message>
        <source>You confirmed the fingerprint. Ask the person at %1 to do the same on their device (peerup verify, or Verify… in peer-up).</source>
        <translation>Sie haben den Fingerabdruck bestätigt. Bitten Sie die Person an %1, das auf ihrem Gerät ebenfalls zu tun (peerup verify oder „Verifizieren…“ in peer-up).</translation>
    </message>
    <message>
        <source>%1 was removed: it can no longer reach this device. To connect again, pair with a new invite.</source>
        <translation>%1 wurde entfernt und kann dieses Gerät nicht mehr erreichen. Um sich wieder zu verbinden, koppeln Sie die Geräte mit einer neuen Einladung.</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
</context>
</TS>
